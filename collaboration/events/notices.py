"""Events nobody's action causes: conditions falling due or overdue, evidence that changed after its decision.

Beat tasks call these; each notice is emitted once (``Event.once_key`` is unique), however often they run.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.events.services import event_record
from lifecycle.choices import GateReviewStatus, Phase
from lifecycle.models import GateAction, GateReview

if TYPE_CHECKING:
    from metrics.evidence.services.reviews import Change

MAX_LISTED_CHANGES = 10  # the payload stays small; the review page lists them all


def _action_notice(action: GateAction, event_type: str) -> bool:
    project = action.review.project
    recorded = event_record(
        type=event_type,
        actor=None,
        portfolio=None,
        project=project,
        target=action,
        payload={
            "action_id": action.pk,
            "review_id": action.review_id,
            "kind": action.kind,
            "description": action.description[:200],
            "due_date": action.due_date.isoformat() if action.due_date else None,
            "owner_id": action.owner_id,
        },
        once_key=f"{event_type}:{action.pk}",
    )
    return recorded is not None


@transaction.atomic
def gate_action_notices_emit(today: datetime.date | None = None) -> int:
    """Open conditions and rework items due within ``STAGEGATE_ACTION_DUE_SOON_DAYS`` (gate_action.due) or past
    their due date (gate_action.overdue), each notice once per item. Returns how many were emitted now."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.STAGEGATE_ACTION_DUE_SOON_DAYS)
    open_actions = GateAction.objects.filter(completed_at__isnull=True, due_date__isnull=False).select_related(
        "review__project__portfolio"
    )
    emitted = 0
    for action in open_actions.filter(due_date__lt=today).order_by("pk"):
        emitted += _action_notice(action, EventType.GATE_ACTION_OVERDUE)
    for action in open_actions.filter(due_date__gte=today, due_date__lte=horizon).order_by("pk"):
        emitted += _action_notice(action, EventType.GATE_ACTION_DUE)
    return emitted


def _changes_fingerprint(review_id: int, changes: list[Change]) -> str:
    lines = sorted(f"{c.evidence_id}|{c.what}|{c.before!r}|{c.after!r}" for c in changes)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:24]
    return f"{EventType.EVIDENCE_CHANGED_SINCE_DECISION}:{review_id}:{digest}"


def evidence_changes_emit() -> int:
    """Decided reviews whose frozen MLflow evidence now differs from the mirror (``metrics.evidence`` compares them):
    one event per review and distinct set of changes, so a further change is told again, the same one never."""
    from metrics.evidence.services.reviews import review_evidence_state

    emitted = 0
    reviews = (
        GateReview.objects.filter(status=GateReviewStatus.DECIDED, mlflow_evidence__decision_snapshot__isnull=False)
        .distinct()
        .select_related("project__portfolio")
        .order_by("pk")
    )
    for review in reviews:
        state = review_evidence_state(review)
        if not state.changed_since_decision:
            continue
        changes = [f"{change.label}: {change.what}" for change in state.changes]
        with transaction.atomic():
            recorded = event_record(
                type=EventType.EVIDENCE_CHANGED_SINCE_DECISION,
                actor=None,
                portfolio=None,
                project=review.project,
                target=review,
                payload={
                    "review_id": review.pk,
                    "phase": str(Phase(review.phase).label).lower(),
                    "change_count": len(changes),
                    "changes": changes[:MAX_LISTED_CHANGES],
                },
                once_key=_changes_fingerprint(review.pk, state.changes),
            )
        emitted += recorded is not None
    return emitted
