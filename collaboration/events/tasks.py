"""Thin tasks of the outbox: dispatch one event, reconcile the lost ones, emit the notices time alone causes."""

from __future__ import annotations

import datetime
from typing import Any

from celery import shared_task
from django.db import OperationalError

from collaboration.events.dispatch import event_dispatch, events_undispatched
from collaboration.events.notices import evidence_changes_emit, gate_action_notices_emit

# Idempotent (a locked event, unique notifications): safe to acknowledge late and to run twice.
_DISPATCH_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": False,
    "soft_time_limit": 60,
    "time_limit": 90,
    "ignore_result": True,
    "autoretry_for": (OperationalError,),  # the database restarting or a lock timeout: transient
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}
PENDING_GRACE = datetime.timedelta(minutes=1)  # leave the on-commit task its chance first
PENDING_BATCH = 500


@shared_task(name="collaboration.event_dispatch", **_DISPATCH_OPTIONS)
def event_dispatch_task(event_id: int) -> bool:
    return event_dispatch(event_id)


@shared_task(
    name="collaboration.events_dispatch_pending", soft_time_limit=4 * 60, time_limit=5 * 60, ignore_result=True
)
def events_dispatch_pending() -> int:
    """Events whose dispatch never ran (broker down at commit, a lost message): dispatched here, in order."""
    dispatched = 0
    for event_id in events_undispatched(PENDING_GRACE, PENDING_BATCH):
        dispatched += event_dispatch(event_id)
    return dispatched


@shared_task(name="collaboration.gate_action_notices", soft_time_limit=4 * 60, time_limit=5 * 60, ignore_result=True)
def gate_action_notices_task() -> int:
    return gate_action_notices_emit()


@shared_task(name="collaboration.evidence_changes", soft_time_limit=9 * 60, time_limit=10 * 60, ignore_result=True)
def evidence_changes_task() -> int:
    return evidence_changes_emit()
