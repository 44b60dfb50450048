"""Writing metric snapshots, and asking for them to be recomputed.

Each scope type has one *computer*: a function taking the scope's id and returning the ``SnapshotValue``s of
every metric of that scope (area modules register theirs with ``@snapshot_computer``). ``scope_compute`` runs
it and upserts the result in one transaction, so a repeated or redelivered computation writes the same rows.
Rows already frozen (a closed sprint's) are never rewritten.

Input services call one of the ``compute_request_for_*`` helpers inside their transaction (they name the
scopes an input feeds). ``compute_request`` inserts a ``MetricComputeRequest`` if none is pending and, only
when it inserted, enqueues the compute task on commit: a burst of edits to one scope is computed once. In the
demo (no broker) the task runs in-process at commit.

Safety nets: ``pending_scopes_compute`` (beat, every minute) computes requests whose task never ran (the
broker was down at commit), and ``scope_ids`` lists every scope for the hourly full recompute and
``manage.py compute_metrics``.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from metrics.choices import ScopeType
from metrics.models import MetricComputeRequest, MetricSnapshot

if TYPE_CHECKING:
    from lifecycle.models import Project
    from metrics.models import Product, Team
    from portal.models import User

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


def has_computer(scope_type: str) -> bool:
    return scope_type in COMPUTERS


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
    """Drop the scope's pending request, then compute it. Returns the number of rows written.

    The request goes first, outside the computation's transaction: an edit committed while the computation
    runs marks the scope again (and enqueues again), so it is not lost.
    """
    compute_request_clear(scope_type, scope_id)
    if not has_computer(scope_type):  # a request left from before a computer was removed: nothing to do
        return 0
    return scope_compute(scope_type, scope_id)


# --- asking for a computation ----------------------------------------------------------------------------------


_deferred = threading.local()


@contextlib.contextmanager
def compute_deferred() -> Iterator[None]:
    """Bulk loads (the demo seed): no request per edit; the caller recomputes everything once at the end."""
    _deferred.active = True
    try:
        yield
    finally:
        _deferred.active = False


def compute_request(scope_type: str, scope_id: int | None) -> None:
    """Mark a scope as needing recomputation; enqueue once per burst, after the caller's commit."""
    if scope_id is None or getattr(_deferred, "active", False):
        return
    if scope_type not in ScopeType.values:
        raise ValueError(f"unknown scope type {scope_type!r}")
    if not has_computer(scope_type):
        return  # nothing computes this scope type: a request would wait forever
    try:
        with transaction.atomic():  # savepoint: a duplicate must not break the caller's transaction
            MetricComputeRequest.objects.create(scope_type=scope_type, scope_id=scope_id, requested_at=timezone.now())
    except IntegrityError:
        return  # already pending: the task that will run picks this edit up
    transaction.on_commit(partial(_enqueue_compute, scope_type, scope_id))


def compute_requests(pairs: Iterable[tuple[str, int | None]]) -> None:
    for scope_type, scope_id in pairs:
        compute_request(scope_type, scope_id)


def compute_request_for_project(project: Project) -> None:
    """A project input changed (lifecycle fields, budget, costs, status, risks, issues, benefits)."""
    compute_requests([(ScopeType.PROJECT, project.pk), (ScopeType.PORTFOLIO, project.portfolio_id)])


def compute_request_for_team(team: Team) -> None:
    """A scrum input changed: the team's metrics, and its project's delivery metrics."""
    compute_requests([(ScopeType.TEAM, team.pk), (ScopeType.PROJECT, team.project_id)])


def compute_request_for_product(product: Product) -> None:
    """A product input changed: the product's metrics, and its project's product section."""
    compute_requests([(ScopeType.PRODUCT, product.pk), (ScopeType.PROJECT, product.project_id)])


def compute_request_for_person(person: User, project: Project | None = None) -> None:
    """Capacity, allocation or time of a person changed: their utilization, and the project and portfolio
    it concerns; capacity concerns no project, so every portfolio the person works in."""
    from portfolio.models import Membership

    compute_request(ScopeType.PERSON, person.pk)
    if project is not None:
        compute_request_for_project(project)
        return
    portfolio_ids = Membership.objects.filter(user=person).values_list("portfolio_id", flat=True).distinct()
    compute_requests((ScopeType.PORTFOLIO, portfolio_id) for portfolio_id in sorted(portfolio_ids))


def _enqueue_compute(scope_type: str, scope_id: int) -> None:
    from metrics.mirror.tasks import COMPUTE_DELAY_S, compute_scope_task

    try:
        compute_scope_task.apply_async((scope_type, scope_id), countdown=COMPUTE_DELAY_S)
    except KombuOperationalError:  # broker down: the request row stays and the beat reconciler computes it later
        logger.warning("could not enqueue compute of %s:%s; beat will pick it up", scope_type, scope_id, exc_info=True)
    except Exception:
        # Only without a broker (tasks in-process): the edit is committed, so a failing computer must not
        # turn its response into an error page. Logged as the bug it is; `compute_metrics` retries it.
        logger.exception("computing %s:%s failed", scope_type, scope_id)


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


def scope_ids(scope_type: str) -> QuerySet[Any, int]:
    """Every scope of a type, in id order, for the full recompute. People: those with a portfolio role."""
    from lifecycle.models import Project
    from metrics.models import Product, Team
    from portfolio.models import Membership, Portfolio

    querysets: dict[str, QuerySet[Any, int]] = {
        ScopeType.PORTFOLIO: Portfolio.objects.order_by("pk").values_list("pk", flat=True),
        ScopeType.PROJECT: Project.objects.order_by("pk").values_list("pk", flat=True),
        ScopeType.TEAM: Team.objects.order_by("pk").values_list("pk", flat=True),
        ScopeType.PRODUCT: Product.objects.order_by("pk").values_list("pk", flat=True),
        ScopeType.PERSON: Membership.objects.order_by("user_id").values_list("user_id", flat=True).distinct(),
    }
    if scope_type not in querysets:
        raise ValueError(f"no list of scopes for {scope_type!r}")
    return querysets[scope_type]


def computed_scope_types() -> list[str]:
    """The scope types with a computer, in a fixed order (portfolios last: they may read their projects')."""
    order = [ScopeType.PERSON, ScopeType.TEAM, ScopeType.PRODUCT, ScopeType.PROJECT, ScopeType.PORTFOLIO]
    return [scope_type.value for scope_type in order if has_computer(scope_type)]
