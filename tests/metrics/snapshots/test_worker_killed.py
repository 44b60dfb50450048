"""A real worker killed in the middle of a snapshot computation: nothing of that run is stored, and the task is
run again with the result an uninterrupted run gives. Two ways a worker dies:

- the whole worker process (the machine or container is gone; solo pool, the task runs in that process): its
  message stays unacknowledged in Redis, which gives it to the next worker after the visibility timeout;
- a prefork child alone (what the OOM killer picks): ``reject_on_worker_lost=False`` acknowledges the message
  so that a task that always kills its child cannot loop; the scope's compute request, dropped only in the
  transaction that writes the snapshots, is still there, and the reconciler (``compute_pending``, every minute
  on beat) computes it.

No mock stops the task: the test holds a row lock, in its own database connection, on a snapshot the computation
must rewrite, so the worker's upsert waits on PostgreSQL at a known point; the test sees it waiting there
(``pg_blocking_pids``), SIGKILLs the worker or its child and releases the lock. PostgreSQL only: the worker
process shares the test database, and SQLite has no row locks.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator

import pytest
import redis
from django.db import connection, connections
from django.utils import timezone

from metrics.portfolio_inputs.services import resources as inputs
from metrics.snapshots import tasks
from metrics.snapshots.models import MetricComputeRequest, MetricSnapshot
from metrics.snapshots.services import scope_recompute
from tests.metrics.compute_fixtures import (
    celery_broker_at,
    queued_messages,
    snapshot_rows,
    wait_for,
    worker_children,
    worker_log,
    worker_process,
)
from tests.redis_process import PrivateRedis, private_redis_server

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

SNAPSHOTS = MetricSnapshot._meta.db_table
LOCKED_METRIC = "cost_actual"  # rewritten by every computation of the project (the real computers)
WAIT_S = 60
COMPUTE = "metrics.compute_scope"


@pytest.fixture
def broker(monkeypatch) -> Iterator[PrivateRedis]:
    monkeypatch.setattr(tasks, "COMPUTE_DELAY_S", 0)  # the edit's message is due at once
    with private_redis_server() as server, celery_broker_at(monkeypatch, server.url()):
        yield server


class RowLock:
    """A row of the snapshot table locked FOR UPDATE in a connection of the test's own, until ``release``."""

    def __init__(self, snapshot_pk: int) -> None:
        self.connection = connections.create_connection("default")
        self.connection.set_autocommit(False)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (self.pid,) = cursor.fetchone()
            cursor.execute(f'SELECT 1 FROM "{SNAPSHOTS}" WHERE id = %s FOR UPDATE', [snapshot_pk])

    def waiting_backends(self) -> list[tuple[int, str]]:
        """(pid, statement) of the other backends that wait for this lock."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [self.pid])
            return list(cursor.fetchall())

    def release(self) -> None:
        if self.connection.connection is not None:
            self.connection.rollback()
            self.connection.close()


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def terminate_backend(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def broker_settled(client: redis.Redis) -> bool:
    """Nothing waits in the queue and nothing delivered is still unacknowledged."""
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def unacknowledged(client: redis.Redis) -> list[tuple[str, str]]:
    """(task name, args) of the messages delivered to a worker and not acknowledged, sorted."""
    messages = [json.loads(raw)[0] for raw in client.hvals("unacked")]
    return sorted((message["headers"]["task"], message["headers"]["argsrepr"]) for message in messages)


def actual_cost_to_date(project) -> float:
    """The spending to date that the project's cost panel states (detail of the ``cost_actual`` snapshot)."""
    snapshot = MetricSnapshot.objects.get(pk=project_snapshot_pk(project))
    return snapshot.detail["projection_to_today"]["actual_cost"]


def rows_with_times(project) -> list[tuple]:
    return list(
        MetricSnapshot.objects.filter(scope_type="project", scope_id=project.pk)
        .order_by("metric", "period")
        .values_list("pk", "metric", "period", "value", "detail", "computed_at")
    )


def cost_added_and_blocked(lock: RowLock, project, people, log_path) -> int:
    """Add a cost entry (its commit sends the project's compute task) and wait until the worker's upsert of the
    project's snapshots waits for the locked row; returns that worker's database backend."""
    inputs.cost_entry_add(actor=people["pm"], project=project, day=timezone.localdate(), amount=250)
    assert wait_for(lambda: bool(lock.waiting_backends()), WAIT_S), worker_log(log_path)
    [(backend, statement)] = lock.waiting_backends()
    assert statement.startswith(f'INSERT INTO "{SNAPSHOTS}"')
    # The request is dropped only with the snapshots' commit: while the run writes, it is still there.
    assert MetricComputeRequest.objects.filter(scope_type="project", scope_id=project.pk).exists()
    return backend


def test_a_worker_killed_while_writing_snapshots_leaves_nothing_and_the_next_one_redoes_the_task(
    project, people, broker, tmp_path
) -> None:
    before, before_cost = rows_with_times(project), actual_cost_to_date(project)  # computed when it was created
    client = redis.Redis.from_url(broker.url())
    lock = RowLock(project_snapshot_pk(project))
    killed_backend = None
    try:
        with worker_process(broker.url(), tmp_path / "first.log") as first:
            killed_backend = cost_added_and_blocked(lock, project, people, tmp_path / "first.log")
            first.send_signal(signal.SIGKILL)  # the machine is gone: no shutdown, no acknowledgement
            first.wait(timeout=10)
        lock.release()
        # PostgreSQL ends the orphaned transaction once it meets the closed client connection.
        assert wait_for(lambda: not backend_alive(killed_backend), WAIT_S)

        assert rows_with_times(project) == before  # the half-done upsert was rolled back: not one row changed
        # The killed task's message is not lost: unacknowledged, it waits for its visibility timeout (the
        # portfolio's task waits too, still queued or prefetched by the killed worker).
        project_message = (COMPUTE, f"('project', {project.pk})")
        assert project_message in unacknowledged(client)
        assert sorted(unacknowledged(client) + queued_messages(client)) == [
            (COMPUTE, f"('portfolio', {project.portfolio_id})"),
            project_message,
        ]

        with worker_process(broker.url(), tmp_path / "second.log", visibility_timeout_s=1):
            assert wait_for(lambda: broker_settled(client), WAIT_S), worker_log(tmp_path / "second.log")
    finally:
        release_and_end(lock, killed_backend)

    assert not MetricComputeRequest.objects.exists()
    assert actual_cost_to_date(project) == before_cost + 250  # the redelivered task counted the edit
    assert_same_as_an_uninterrupted_run(project)


def test_a_pool_child_killed_while_writing_snapshots_leaves_nothing_and_the_reconciler_redoes_it(
    project, people, broker, tmp_path
) -> None:
    before, before_cost = rows_with_times(project), actual_cost_to_date(project)
    client = redis.Redis.from_url(broker.url())
    log = tmp_path / "prefork.log"
    lock = RowLock(project_snapshot_pk(project))
    killed_backend = None
    try:
        with worker_process(broker.url(), log, pool="prefork") as worker:
            killed_backend = cost_added_and_blocked(lock, project, people, log)
            [child] = worker_children(worker)
            os.kill(child, signal.SIGKILL)  # what the OOM killer does: the child goes, the worker stays
            lock.release()
            assert wait_for(lambda: not backend_alive(killed_backend), WAIT_S)
            # reject_on_worker_lost=False (metrics.snapshots.tasks): the lost task's message is acknowledged, so a
            # task that always kills its child cannot loop; a new child runs the portfolio's task.
            assert wait_for(lambda: broker_settled(client), WAIT_S), worker_log(log)
            assert "WorkerLostError" in worker_log(log, lines=1000)
            assert rows_with_times(project) == before  # nothing of the killed run
            assert actual_cost_to_date(project) == before_cost
            assert MetricComputeRequest.objects.filter(scope_type="project", scope_id=project.pk).exists()

            # Past the reconciler's grace (tasks.PENDING_GRACE), what beat sends every minute finds the request.
            MetricComputeRequest.objects.update(requested_at=timezone.now() - tasks.PENDING_GRACE * 2)
            tasks.compute_pending.delay()
            assert wait_for(lambda: actual_cost_to_date(project) == before_cost + 250, WAIT_S), worker_log(log)
            assert not MetricComputeRequest.objects.filter(scope_type="project", scope_id=project.pk).exists()
            assert wait_for(lambda: broker_settled(client), WAIT_S), worker_log(log)
    finally:
        release_and_end(lock, killed_backend)

    assert_same_as_an_uninterrupted_run(project)


def project_snapshot_pk(project) -> int:
    return MetricSnapshot.objects.get(scope_type="project", scope_id=project.pk, metric=LOCKED_METRIC, period="").pk


def release_and_end(lock: RowLock, backend: int | None) -> None:
    lock.release()
    if backend is not None and backend_alive(backend):  # a failed test must not leave a transaction behind
        terminate_backend(backend)


def assert_same_as_an_uninterrupted_run(project) -> None:
    """An uninterrupted computation of the same inputs writes exactly what the worker wrote: same rows, values,
    details and periods."""
    stored = snapshot_rows(scope_type="project", scope_id=project.pk)
    scope_recompute("project", project.pk)
    assert snapshot_rows(scope_type="project", scope_id=project.pk) == stored
