"""Snapshot computation through a real Redis broker (own db): messages counted in the queue, a real worker thread
computing them, and a redelivered message rewriting the same rows."""

from __future__ import annotations

import datetime
import threading

import pytest
from celery.signals import after_task_publish, task_postrun
from django.db import transaction

from metrics.portfolio_inputs.services import resources as inputs
from metrics.snapshots import tasks
from metrics.snapshots.models import MetricComputeRequest, MetricSnapshot
from metrics.snapshots.services import scope_recompute
from portfolio.models import Portfolio
from tests.factories import make_project
from tests.metrics.compute_fixtures import (
    Computed,
    queued_messages,
    redis_broker,
    redis_worker,
    register_test_computers,
    snapshot_rows,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date
COMPUTE = "metrics.compute_scope"


@pytest.fixture
def test_computers(monkeypatch) -> Computed:
    return register_test_computers(monkeypatch)


@pytest.fixture
def broker(monkeypatch, test_computers):
    with redis_broker(monkeypatch) as client:
        yield client


@pytest.fixture
def worker(broker, monkeypatch):
    monkeypatch.setattr(tasks, "COMPUTE_DELAY_S", 0)  # the worker computes at once; coalescing is tested without it
    with redis_worker() as running:
        yield running


@pytest.fixture
def finished() -> list[str]:
    """Ids of the tasks the worker has finished (after their transaction committed)."""
    ids: list[str] = []
    lock = threading.Lock()

    def record(task_id=None, **kwargs):
        with lock:
            ids.append(task_id)

    task_postrun.connect(record, weak=False)
    yield ids
    task_postrun.disconnect(record)


@pytest.fixture
def published() -> list[str]:
    """Ids of the task messages sent to the broker (by the test or by a task in the worker)."""
    ids: list[str] = []

    def record(headers=None, **kwargs):
        ids.append(headers["id"])

    after_task_publish.connect(record, weak=False)
    yield ids
    after_task_publish.disconnect(record)


def settled(published: list[str], finished: list[str]) -> bool:
    """Every message sent so far has been processed, and nothing waits to be sent."""
    return sorted(published) == sorted(finished) and not MetricComputeRequest.objects.exists()


def add_cost(project, people, amount: int) -> None:
    inputs.cost_entry_add(actor=people["pm"], project=project, day=D(2026, 3, 2), amount=amount)


def test_five_edits_in_one_transaction_and_five_more_in_five_send_one_message_per_scope(
    test_computers, project, people, broker
) -> None:
    MetricComputeRequest.objects.all().delete()  # creating the project asked for its computation
    broker.flushdb()

    with transaction.atomic():
        for amount in (1, 2, 3, 4, 5):
            add_cost(project, people, amount)
        assert queued_messages(broker) == []  # nothing leaves before the commit
    for amount in (6, 7, 8, 9, 10):
        add_cost(project, people, amount)  # each its own committed transaction

    assert queued_messages(broker) == [
        (COMPUTE, f"('project', {project.pk})"),
        (COMPUTE, f"('portfolio', {project.portfolio_id})"),
    ]

    scope_recompute("project", project.pk)  # what the worker does with the first message
    add_cost(project, people, 11)

    assert queued_messages(broker)[2:] == [(COMPUTE, f"('project', {project.pk})")]  # a new burst, a new message


def test_a_real_worker_computes_the_scopes_an_edit_marked(test_computers, project, people, worker) -> None:
    add_cost(project, people, 120)

    assert wait_for(lambda: not MetricComputeRequest.objects.exists())
    assert wait_for(lambda: MetricSnapshot.objects.filter(metric="test.portfolio_cost", value=120).exists())
    assert wait_for(lambda: MetricSnapshot.objects.filter(metric="test.cost_total", value=120).exists())
    assert test_computers.count("project", project.pk) >= 1


# Two deliveries of one message run concurrently in the worker's pool: SQLite locks a table per writer.
@pytest.mark.postgresql
def test_a_redelivered_message_rewrites_the_same_rows(
    test_computers, project, people, published, finished, worker
) -> None:
    add_cost(project, people, 80)
    make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    assert wait_for(lambda: settled(published, finished))
    assert len(published) >= 2
    before = snapshot_rows(scope_type="project")
    times = dict(MetricSnapshot.objects.filter(scope_type="project").values_list("pk", "computed_at"))
    computations = test_computers.count("project", project.pk)

    # Redis redelivers an unacknowledged message as it was: same task id, same arguments.
    for _ in range(2):
        tasks.compute_scope_task.apply_async(("project", project.pk), task_id="redelivered-compute")

    assert wait_for(lambda: finished.count("redelivered-compute") == 2)
    assert test_computers.count("project", project.pk) == computations + 2  # both deliveries really computed
    assert snapshot_rows(scope_type="project") == before  # same ids, values, periods; no row added
    after = dict(MetricSnapshot.objects.filter(scope_type="project").values_list("pk", "computed_at"))
    assert {pk for pk in after if after[pk] != times[pk]} == {
        pk for pk, _metric, _t, scope_id, _period, _v, _d, frozen, _p in before if scope_id == project.pk and not frozen
    }
    assert len(before) == 5  # project: total, March, frozen summary; other: total, frozen summary


def test_a_real_worker_runs_the_hourly_fan_out(test_computers, project, people, published, finished, worker) -> None:
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    assert wait_for(lambda: settled(published, finished))
    MetricSnapshot.objects.all().delete()
    test_computers.scopes.clear()

    tasks.compute_all.delay()

    assert wait_for(lambda: len(published) > 2 and settled(published, finished))
    expected = {
        ("project", project.pk),
        ("project", other.pk),
        *(("portfolio", pk) for pk in Portfolio.objects.values_list("pk", flat=True)),
        *(("person", person.pk) for person in people.values()),
    }
    assert set(MetricSnapshot.objects.values_list("scope_type", "scope_id")) == expected
    assert sorted(test_computers.scopes) == sorted(set(test_computers.scopes))  # one task per scope
