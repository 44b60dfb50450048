"""What a gate decision freezes of the MLflow evidence: each row's snapshot as of the decision and the automated
criteria evaluated on them.

Kept apart from ``reviews`` (attach, detach, read) because it is the one path ``gate_decide`` calls, through
``lifecycle.hooks.decision_evidence``, inside its transaction with the project and review locked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from lifecycle.models import GateReview
from metrics.evidence.choices import EvidenceRequestStatus
from metrics.evidence.models import EvidenceRequest, GateEvidence
from metrics.evidence.rules import RuleResult, evaluate_all
from metrics.evidence.services import rules as rule_services
from metrics.evidence.services.reviews import evidence_label, facts_of, live_snapshot, review_evidence


@dataclass
class DecisionEvidence:
    """What ``gate_decide`` freezes: each row's snapshot as of now and the rule results on them."""

    review: GateReview
    rows: list[tuple[GateEvidence, dict[str, Any]]]
    results: list[RuleResult]

    def failing(self) -> list[str]:
        return failing_labels(self.results)

    def freeze(self) -> None:
        evidence_freeze(self)

    def frozen(self) -> dict[str, Any]:
        """The part of ``review.evidence`` about MLflow (rows' snapshots and rule results)."""
        return {
            "mlflow": [
                {"evidence_id": item.pk, "kind": item.kind, "label": evidence_label(snap), "snapshot": snap}
                for item, snap in self.rows
            ],
            "rules": [result.as_dict() for result in self.results],
        }


def evidence_for_decision(review: GateReview) -> DecisionEvidence:
    """Read (no write) the snapshots a decision is taken on. Call with the review locked."""
    rows = [(item, live_snapshot(item)) for item in review_evidence(review)]
    runs, versions = facts_of(rows)
    return DecisionEvidence(
        review=review, rows=rows, results=evaluate_all(rule_services.rule_specs_for_review(review), runs, versions)
    )


def evidence_freeze(decision: DecisionEvidence) -> None:
    """Write every row's decision_snapshot and close what was still asked (inside gate_decide's transaction):
    evidence asked for a decided review can no longer be given, so nobody owes it any more."""
    for item, snapshot in decision.rows:
        item.decision_snapshot = snapshot
    GateEvidence.objects.bulk_update([item for item, _ in decision.rows], ["decision_snapshot"])
    EvidenceRequest.objects.filter(review=decision.review, status=EvidenceRequestStatus.OPEN).update(
        status=EvidenceRequestStatus.DECIDED, closed_at=timezone.now()
    )


def failing_labels(results: Sequence[RuleResult]) -> list[str]:
    return [f"{result.label}: {result.reason}" for result in results if not result.passed]
