"""Asking for snapshots to be recomputed.

Input services call one of the ``compute_request_for_*`` helpers inside their transaction (they name the scopes an
input feeds). ``compute_request`` inserts a ``MetricComputeRequest`` if none is pending and, only when it inserted,
enqueues the compute task on commit: a burst of edits to one scope is computed once. In the demo (no broker) the
task runs in-process at commit.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricComputeRequest
from metrics.snapshots.registry import has_computer
from metrics.snapshots.tasks import COMPUTE_DELAY_S, compute_scope_task
from portal.queueing import send_or_leave_to_beat
from portfolio.models import Membership

if TYPE_CHECKING:
    from lifecycle.models import Project
    from metrics.product.models import Product
    from metrics.scrum.models import Team
    from portal.models import User


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
        # Already pending: the task on its way computes this edit too; counting it keeps the row if that task is
        # computing right now (it read the inputs before this edit), see scope_recompute.
        MetricComputeRequest.objects.filter(scope_type=scope_type, scope_id=scope_id).update(marks=F("marks") + 1)
        return
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
    compute_request(ScopeType.PERSON, person.pk)
    if project is not None:
        compute_request_for_project(project)
        return
    portfolio_ids = Membership.objects.filter(user=person).values_list("portfolio_id", flat=True).distinct()
    compute_requests((ScopeType.PORTFOLIO, portfolio_id) for portfolio_id in sorted(portfolio_ids))


def _enqueue_compute(scope_type: str, scope_id: int) -> None:
    send_or_leave_to_beat(
        partial(compute_scope_task.apply_async, (scope_type, scope_id), countdown=COMPUTE_DELAY_S),
        f"compute of {scope_type}:{scope_id}",
    )
