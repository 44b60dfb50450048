"""Writing events: ``event_record`` (inside the caller's transaction) and the audit hook that maps audit actions to
event types. Each recorded event is dispatched after commit (``collaboration.events.dispatch``)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from collaboration.events.catalog import AUDIT_ACTION_EVENTS, CATALOG, EventType
from collaboration.events.models import Event
from lifecycle.choices import Phase, ProjectState
from lifecycle.models import GateReview, Project
from portal.queueing import send_or_leave_to_beat

if TYPE_CHECKING:
    from lifecycle.models import AuditRecord
    from portfolio.models import Portfolio


def event_record(
    *,
    type: str,
    actor: Any,
    portfolio: Portfolio | None,
    project: Project | None,
    target: models.Model,
    payload: dict[str, Any],
    once_key: str | None = None,
) -> Event | None:
    """Write one event in the caller's transaction; dispatch it after commit.

    With ``once_key``, an event already recorded under that key is not recorded again (returns None): the unique
    constraint decides, inside a savepoint so the caller's transaction goes on.
    """
    if type not in CATALOG:
        raise ValueError(f"unknown event type {type!r}")
    if project is not None:
        payload = {"project_id": project.pk, "project_code": project.code, **payload}
        portfolio = portfolio or project.portfolio
    fields = {
        "type": type,
        "occurred_at": timezone.now(),
        "actor": actor if getattr(actor, "pk", None) else None,
        "portfolio": portfolio,
        "project": project,
        "target_type": target._meta.label_lower,
        "target_id": str(target.pk),
        "payload": payload,
        "once_key": once_key,
    }
    if once_key is None:
        event = Event.objects.create(**fields)
    else:
        try:
            with transaction.atomic():
                event = Event.objects.create(**fields)
        except IntegrityError:
            return None  # already emitted
    transaction.on_commit(partial(event_enqueue_dispatch, event.pk))
    return event


def event_enqueue_dispatch(event_id: int) -> None:
    from collaboration.events.tasks import event_dispatch_task

    send_or_leave_to_beat(partial(event_dispatch_task.delay, event_id), f"dispatch of event {event_id}")


# -- from audit records -----------------------------------------------------------------------------------------


def _label(choices: type[models.TextChoices], value: Any) -> str:
    return str(dict(choices.choices).get(value, value or "")).lower()


def _review_payload(record: AuditRecord) -> tuple[GateReview, dict[str, Any]]:
    review = GateReview.objects.get(pk=record.target_id)
    return review, {"review_id": review.pk, "phase": _label(Phase, review.phase)}


def _payload_of(record: AuditRecord, event_type: str) -> tuple[models.Model, dict[str, Any]]:
    """(target, payload) of the event an audit record becomes."""
    after, before = record.after or {}, record.before or {}
    if event_type == EventType.GATE_REVIEW_REQUESTED:
        review, payload = _review_payload(record)
        return review, {**payload, "requested_by_id": review.requested_by_id}
    if event_type == EventType.GATE_REVIEW_VOTE_CAST:
        review, payload = _review_payload(record)
        return review, {**payload, "vote": after.get("vote", "").replace("_", " "), "voter_id": record.actor_id}
    if event_type == EventType.GATE_REVIEW_DECIDED:
        review, payload = _review_payload(record)
        return review, {
            **payload,
            "decision": review.get_decision_display().lower(),
            "no_go_outcome": review.no_go_outcome,
            "decided_by_id": review.decided_by_id,
        }
    project = record.project
    assert project is not None
    if event_type == EventType.PROJECT_PHASE_CHANGED:
        return project, {
            "from_phase": _label(Phase, before.get("phase")),
            "to_phase": _label(Phase, project.phase),
            "state": _label(ProjectState, project.state),
        }
    if event_type == EventType.PROJECT_STATE_CHANGED:
        return project, {
            "from_state": _label(ProjectState, before.get("state")),
            "to_state": _label(ProjectState, project.state),
            "phase": _label(Phase, project.phase),
        }
    # model_alert.opened: the audit record holds what the alert says
    from metrics.deployments.models import ModelAlert

    alert = ModelAlert.objects.get(pk=record.target_id)
    return alert, {
        "alert_id": alert.pk,
        "deployed_model": after.get("deployed_model", ""),
        "metric_key": alert.metric_key,
        "observed_value": alert.observed_value,
        "threshold": after.get("threshold", ""),
        "severity": alert.severity,
        "owner_id": alert.owner_id,
    }


def events_from_audit(record: AuditRecord) -> None:
    """``lifecycle.hooks.audit_recorded``: the event of an audited change, in the change's transaction."""
    event_type = AUDIT_ACTION_EVENTS.get(record.action)
    if event_type is None or record.project is None:
        return
    target, payload = _payload_of(record, event_type)
    event_record(
        type=event_type, actor=record.actor, portfolio=None, project=record.project, target=target, payload=payload
    )
