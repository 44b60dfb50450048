"""Where the metrics app takes part in lifecycle changes, without lifecycle importing it.

Lifecycle services and pages call these hooks; ``metrics.apps.MetricsConfig.ready`` installs what they do. With
nothing installed (lifecycle on its own) a project change marks nothing for recompute and a gate has no automated
criteria.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from portal.hooks import Hook

if TYPE_CHECKING:
    from lifecycle.models import AuditRecord, GateReview, Project


class DecisionEvidence(Protocol):
    """The evidence besides artifacts that a gate decision is taken on (MLflow runs and model versions)."""

    def failing(self) -> list[str]:
        """The automated criteria that do not pass, each as "label: reason"; a go over any needs an override."""
        ...

    def frozen(self) -> dict[str, Any]:
        """What the decision records of it in ``GateReview.evidence``."""
        ...

    def freeze(self) -> None:
        """Keep it as it is now, beside the decision (called inside the decision's transaction)."""
        ...


class NoEvidence:
    def failing(self) -> list[str]:
        return []

    def frozen(self) -> dict[str, Any]:
        return {}

    def freeze(self) -> None:
        return None


def _no_evidence(review: GateReview) -> DecisionEvidence:
    return NoEvidence()


#: A project's figures may have changed (fields, phase, state): called inside the service's transaction.
project_changed: Hook[[Project], None] = Hook("project_changed", lambda project: None)
#: Read the evidence a decision on ``review`` is taken on; called with the review locked.
decision_evidence: Hook[[GateReview], DecisionEvidence] = Hook("decision_evidence", _no_evidence)
#: Template context of a review's pages about that evidence (the detail and decide pages).
review_evidence_context: Hook[[Any, GateReview], dict[str, Any]] = Hook(
    "review_evidence_context", lambda user, review: {}
)
#: An audit record was written (inside the service's transaction): the collaboration app turns it into the events
#: of its transactional outbox, so a rolled-back change emits nothing.
audit_recorded: Hook[[AuditRecord], None] = Hook("audit_recorded", lambda record: None)
