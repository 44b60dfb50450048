"""Writing metric snapshots, and asking for them to be recomputed.

Each scope type has one *computer*: a function taking the scope's id and returning the ``SnapshotValue``s of
every metric of that scope (area modules register theirs with ``@snapshot_computer``). ``scope_compute`` runs
it and upserts the result in one transaction, so a repeated or redelivered computation writes the same rows.
Rows already frozen (a closed sprint's) are never rewritten.

Input services call ``compute_request(scope_type, scope_id)`` inside their transaction. It inserts a
``MetricComputeRequest`` if none is pending and, only when it inserted, enqueues the compute task on commit:
a burst of edits to one scope is computed once. In the demo (no broker) the task runs in-process at commit.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from metrics.choices import ScopeType
from metrics.models import MetricComputeRequest, MetricSnapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SnapshotValue:
    metric: str
    value: float | None
    period: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    frozen: bool = False


@dataclass(frozen=True)
class ScopeResult:
    """What a computer returns: where the scope belongs, and its values."""

    portfolio_id: int
    project_id: int | None
    values: list[SnapshotValue]


Computer = Callable[[int], ScopeResult | None]
COMPUTERS: dict[str, Computer] = {}


def snapshot_computer(scope_type: str) -> Callable[[Computer], Computer]:
    """Register the computer of ``scope_type``; it returns None when the scope no longer exists."""

    def register(function: Computer) -> Computer:
        if scope_type in COMPUTERS:  # pragma: no cover - two computers for one scope is a programming error
            raise RuntimeError(f"two snapshot computers for {scope_type}")
        COMPUTERS[scope_type] = function
        return function

    return register


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


def compute_request(scope_type: str, scope_id: int | None) -> None:
    """Mark a scope as needing recomputation; enqueue once per burst, after the caller's commit."""
    if scope_id is None:
        return
    if scope_type not in ScopeType.values:
        raise ValueError(f"unknown scope type {scope_type!r}")
    try:
        with transaction.atomic():  # savepoint: a duplicate must not break the caller's transaction
            MetricComputeRequest.objects.create(scope_type=scope_type, scope_id=scope_id, requested_at=timezone.now())
    except IntegrityError:
        return  # already pending: the task that will run picks this edit up
    transaction.on_commit(partial(_enqueue_compute, scope_type, scope_id))


def compute_requests(pairs: Iterable[tuple[str, int | None]]) -> None:
    for scope_type, scope_id in pairs:
        compute_request(scope_type, scope_id)


def _enqueue_compute(scope_type: str, scope_id: int) -> None:
    from metrics.tasks import COMPUTE_DELAY_S, compute_scope_task

    try:
        compute_scope_task.apply_async((scope_type, scope_id), countdown=COMPUTE_DELAY_S)
    except Exception:  # broker down: the request row stays and the beat reconciler computes it later
        logger.warning("could not enqueue compute of %s:%s; beat will pick it up", scope_type, scope_id, exc_info=True)


def compute_request_clear(scope_type: str, scope_id: int) -> None:
    MetricComputeRequest.objects.filter(scope_type=scope_type, scope_id=scope_id).delete()
