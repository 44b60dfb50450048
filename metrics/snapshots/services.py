"""Computing and writing metric snapshots.

``scope_compute`` runs the scope's computer (``registry``) and upserts the result in one transaction, so a
repeated or redelivered computation writes the same rows. Rows already frozen (a closed sprint's) are never
rewritten. Safety net: ``pending_scopes_compute`` (beat, every minute) computes requests whose task never ran
(the broker was down at commit); ``registry.scope_ids`` lists every scope for the hourly full recompute and
``manage.py compute_metrics``.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from metrics.snapshots.models import MetricComputeRequest, MetricSnapshot
from metrics.snapshots.registry import COMPUTERS, ScopeResult, has_computer

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


def snapshots_upsert(
    *, scope_type: str, scope_id: int, result: ScopeResult, now: datetime.datetime | None = None
) -> int:
    """Write ``result``'s values; frozen rows stay as they are. Returns the number of rows written."""
    now = now or timezone.now()
    frozen = set(
        MetricSnapshot.objects.filter(scope_type=scope_type, scope_id=scope_id, frozen=True).values_list(
            "metric", "period"
        )
    )
    rows = [
        MetricSnapshot(
            metric=value.metric,
            scope_type=scope_type,
            scope_id=scope_id,
            period=value.period,
            period_start=value.period_start,
            period_end=value.period_end,
            value=value.value,
            detail=value.detail,
            portfolio_id=result.portfolio_id,
            project_id=result.project_id,
            frozen=value.frozen,
            computed_at=now,
        )
        for value in result.values
        if (value.metric, value.period) not in frozen
    ]
    MetricSnapshot.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["metric", "scope_type", "scope_id", "period"],
        update_fields=[
            "period_start",
            "period_end",
            "value",
            "detail",
            "portfolio",
            "project",
            "frozen",
            "computed_at",
        ],
    )
    return len(rows)


def scope_compute(scope_type: str, scope_id: int) -> int:
    """Compute and store every snapshot of one scope; a scope that is gone loses its unfrozen snapshots."""
    computer = COMPUTERS[scope_type]
    with transaction.atomic():
        result = computer(scope_id)
        if result is None:
            MetricSnapshot.objects.filter(scope_type=scope_type, scope_id=scope_id, frozen=False).delete()
            return 0
        return snapshots_upsert(scope_type=scope_type, scope_id=scope_id, result=result)


def scope_recompute(scope_type: str, scope_id: int) -> int:
    """Compute the scope, then drop its pending request in the same transaction. Returns the rows written.

    The request is dropped only as the snapshots are committed, so a worker killed mid-computation leaves it
    for the reconciler (``pending_scopes_compute``), and only if no edit marked the scope while this ran
    (``marks`` unchanged): such an edit keeps it, and the task runs again (``metrics.snapshots.tasks``).
    """
    seen = (
        MetricComputeRequest.objects.filter(scope_type=scope_type, scope_id=scope_id)
        .values_list("marks", flat=True)
        .first()
    )
    if not has_computer(scope_type):  # a request left from before a computer was removed: nothing to do
        compute_request_clear(scope_type, scope_id)
        return 0
    with transaction.atomic():
        rows = scope_compute(scope_type, scope_id)
        if seen is not None:
            MetricComputeRequest.objects.filter(scope_type=scope_type, scope_id=scope_id, marks=seen).delete()
    return rows


# --- asking for a computation ----------------------------------------------------------------------------------


def compute_request_clear(scope_type: str, scope_id: int) -> None:
    MetricComputeRequest.objects.filter(scope_type=scope_type, scope_id=scope_id).delete()


# --- safety nets: the reconciler and the full recompute -------------------------------------------------------


@dataclass(frozen=True)
class PendingRun:
    computed: int
    failed: int
    left: int  # still pending after this run (beyond the batch, or failed)


def pending_scopes_compute(*, older_than: datetime.timedelta, limit: int) -> PendingRun:
    """Compute the scopes whose request has waited longer than ``older_than`` (their task was never enqueued,
    or was lost), oldest first, at most ``limit``. One failing scope does not stop the others: its request is
    kept (the clear rolls back with it) and the next run tries again."""
    cutoff = timezone.now() - older_than
    stale = MetricComputeRequest.objects.filter(requested_at__lte=cutoff).order_by("requested_at", "pk")
    computed = failed = 0
    for scope_type, scope_id in list(stale.values_list("scope_type", "scope_id")[:limit]):
        try:
            with transaction.atomic():
                scope_recompute(scope_type, scope_id)
            computed += 1
        except SoftTimeLimitExceeded:
            raise
        except Exception:
            logger.exception("computing %s:%s failed; its request stays pending", scope_type, scope_id)
            failed += 1
    return PendingRun(computed=computed, failed=failed, left=stale.count())
