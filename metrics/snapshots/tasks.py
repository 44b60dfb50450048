"""Celery tasks of the metric snapshots: thin wrappers taking scope ids; the work lives in ``services``.

Computation is idempotent (upserts keyed by metric, scope and period; frozen rows untouched), so ``acks_late``
is safe and a redelivered message rewrites the same snapshots. ``reject_on_worker_lost`` stays off for the
reason given in ``metrics.mirror.tasks``: a task that always kills its worker must not loop forever.
"""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from celery import shared_task
from django.db import transaction

from metrics.snapshots.registry import computed_scope_types, scope_ids
from metrics.snapshots.selectors import scope_update_pending
from metrics.snapshots.services import pending_scopes_compute, scope_recompute

COMPUTE_DELAY_S = 5  # edits within this window after the first are computed by the same run

_COMPUTE_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": False,
    "soft_time_limit": 10 * 60,
    "time_limit": 11 * 60,
    "ignore_result": True,
}


@shared_task(name="metrics.compute_scope", **_COMPUTE_OPTIONS)
def compute_scope_task(scope_type: str, scope_id: int) -> int:
    """Compute one scope; once more if an edit marked it while this ran (the edit enqueued nothing itself)."""
    rows = scope_recompute(scope_type, scope_id)
    if scope_update_pending(scope_type, scope_id) and not compute_scope_task.request.is_eager:
        compute_scope_task.apply_async((scope_type, scope_id), countdown=COMPUTE_DELAY_S)
    return rows


# The reconciler picks up requests whose task never ran: older than this, the on-commit enqueue has failed
# (broker down) or the message was lost; younger ones still have their task on the way (COMPUTE_DELAY_S).
PENDING_GRACE = datetime.timedelta(minutes=1)
PENDING_BATCH = 500  # scopes per run, so one run ends well inside its time limit; the rest wait a minute


@shared_task(name="metrics.compute_pending", soft_time_limit=5 * 60, time_limit=6 * 60, ignore_result=True)
def compute_pending() -> str:

    run = pending_scopes_compute(older_than=PENDING_GRACE, limit=PENDING_BATCH)
    return f"{run.computed} computed, {run.failed} failed, {run.left} still pending"


@shared_task(name="metrics.compute_all", soft_time_limit=5 * 60, time_limit=6 * 60, ignore_result=True)
def compute_all() -> int:
    """Fan out one independent compute task per scope of every type that has a computer (no chord: each task
    writes its own rows, and a lost one is redone at the next hourly run)."""

    scopes = [(scope_type, scope_id) for scope_type in computed_scope_types() for scope_id in scope_ids(scope_type)]
    transaction.on_commit(partial(_enqueue_scopes, scopes))
    return len(scopes)


def _enqueue_scopes(scopes: list[tuple[str, int]]) -> None:
    for scope_type, scope_id in scopes:
        compute_scope_task.delay(scope_type, scope_id)
