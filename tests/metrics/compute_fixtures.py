"""Fixtures of the snapshot computation tests: computers of the tests' own, and a real Redis broker and worker.

The computers read real input rows (cost entries, sprints, products...) so a recomputation after an edit
gives a different value; they replace whatever the area modules registered for the duration of a test, so
these tests do not depend on the real formulas. Each test module wraps these in its own small fixtures.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Count, Sum

from lifecycle.models import Project
from metrics.portfolio_inputs.models import CostEntry
from metrics.product.models import Product
from metrics.scrum.models import Team
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from metrics.snapshots.registry import COMPUTERS, ScopeResult, SnapshotValue
from portal.celery import app
from portfolio.models import Membership, Portfolio
from tests.redis_process import shared_redis_url

TEST_BROKER = shared_redis_url("broker")  # this suite's own Redis db: flushed before and after
CLOSED_SPRINT = "S1"  # the period of the frozen value the project computer writes


class Computed:
    """Which scopes were computed, in order (the worker thread appends too)."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def add(self, scope_type: str, scope_id: int) -> None:
        with self._lock:
            self.scopes.append((scope_type, scope_id))

    def count(self, scope_type: str, scope_id: int) -> int:
        with self._lock:
            return self.scopes.count((scope_type, scope_id))


def _total(entries) -> float:
    return float(entries.aggregate(total=Sum("amount"))["total"] or Decimal(0))


def _project_result(project_id: int) -> ScopeResult | None:
    project = Project.objects.filter(pk=project_id).values("portfolio_id").first()
    if project is None:
        return None
    costs = CostEntry.objects.filter(project_id=project_id)
    by_month = costs.order_by().values_list("day__year", "day__month").annotate(n=Count("id"), total=Sum("amount"))
    return ScopeResult(
        portfolio_id=project["portfolio_id"],
        project_id=project_id,
        values=[
            SnapshotValue("test.cost_total", _total(costs), detail={"entries": costs.count()}),
            *(
                SnapshotValue("test.cost_month", float(total), period=f"{year}-{month:02d}", detail={"entries": n})
                for year, month, n, total in by_month.order_by("day__year", "day__month")
            ),
            # Stands for a closed sprint's summary: whatever it was at the first computation stays.
            SnapshotValue("test.sprint_summary", float(costs.count()), period=CLOSED_SPRINT, frozen=True),
        ],
    )


def _portfolio_result(portfolio_id: int) -> ScopeResult | None:
    if not Portfolio.objects.filter(pk=portfolio_id).exists():
        return None
    total = _total(CostEntry.objects.filter(project__portfolio_id=portfolio_id))
    return ScopeResult(portfolio_id, None, [SnapshotValue("test.portfolio_cost", total)])


def _team_result(team_id: int) -> ScopeResult | None:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return None
    return ScopeResult(team.portfolio_id, team.project_id, [SnapshotValue("test.sprints", team.sprints.count())])


def _product_result(product_id: int) -> ScopeResult | None:
    product = Product.objects.select_related("project").filter(pk=product_id).first()
    if product is None:
        return None
    values = [SnapshotValue("test.events", product.events.count())]
    return ScopeResult(product.project.portfolio_id, product.project_id, values)


def _person_result(person_id: int) -> ScopeResult | None:
    portfolio_id = Membership.objects.filter(user_id=person_id).order_by("pk").values_list("portfolio_id", flat=True)
    first = portfolio_id.first()
    if first is None:
        return None
    return ScopeResult(first, None, [SnapshotValue("test.portfolios", portfolio_id.count())])


TEST_COMPUTERS: dict[str, Callable[[int], ScopeResult | None]] = {
    ScopeType.PROJECT: _project_result,
    ScopeType.PORTFOLIO: _portfolio_result,
    ScopeType.TEAM: _team_result,
    ScopeType.PRODUCT: _product_result,
    ScopeType.PERSON: _person_result,
}


def register_test_computers(monkeypatch) -> Computed:
    """Register the tests' computers (restored afterwards, whatever was registered before) and record calls."""
    computed = Computed()
    for scope_type, computer in TEST_COMPUTERS.items():

        def recorded(scope_id: int, scope_type: str = scope_type, computer=computer) -> ScopeResult | None:
            computed.add(scope_type, scope_id)
            return computer(scope_id)

        monkeypatch.setitem(COMPUTERS, scope_type, recorded)
    monkeypatch.delitem(COMPUTERS, ScopeType.SPRINT, raising=False)
    return computed


def snapshot_rows(**filters) -> list[tuple]:
    """Everything of the snapshot rows but their computation time."""
    return list(
        MetricSnapshot.objects.filter(**filters)
        .order_by("scope_type", "scope_id", "metric", "period")
        .values_list("pk", "metric", "scope_type", "scope_id", "period", "value", "detail", "frozen", "project_id")
    )


# --- a real broker and worker -------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_broker(monkeypatch) -> Iterator[Any]:
    """The project's Celery app publishing to a real Redis (its own db, emptied first), tasks not run eagerly."""
    import redis

    client = redis.Redis.from_url(TEST_BROKER)
    client.flushdb()
    monkeypatch.setitem(app.conf, "broker_url", TEST_BROKER)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    _fresh_pools()  # producers were made for the in-memory broker
    try:
        yield client
    finally:
        _fresh_pools()
        client.flushdb()


@contextlib.contextmanager
def celery_broker_at(monkeypatch, url: str) -> Iterator[None]:
    """The project's Celery app publishing to ``url``, tasks not run eagerly: for a broker the test itself starts,
    kills and starts again (``tests.redis_process``). Nothing is flushed: a private broker starts empty."""
    monkeypatch.setitem(app.conf, "broker_url", url)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    _fresh_pools()
    try:
        yield
    finally:
        _fresh_pools()


def _fresh_pools() -> None:
    """Close every connection and producer pool and let the app make new ones for the current broker.

    kombu keeps pools per broker URL process-wide, and even an eager task acquires a producer: a closed pool
    left behind would break the next test's publishing ("Acquire on closed pool").
    """
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
    kombu.pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def redis_worker() -> Iterator[Any]:
    """A worker thread consuming from the broker (use inside ``redis_broker``). Its database connection is
    closed after each task so the test database can be dropped at the end."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connection

    def close_connection(**kwargs):
        connection.close()

    task_postrun.connect(close_connection, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connection)


def queued_messages(client) -> list[tuple[str, str]]:
    """(task name, args) of the messages waiting in the default queue, oldest first."""
    import json

    raw = client.lrange("celery", 0, -1)
    headers = [json.loads(message)["headers"] for message in reversed(raw)]  # kombu pushes on the left
    return [(header["task"], header["argsrepr"]) for header in headers]


def wait_for(predicate: Callable[[], bool], timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# --- a real worker process --------------------------------------------------------------------------------------

WORKER_READY_TIMEOUT_S = 60
WORKER_STOP_TIMEOUT_S = 15


def _database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database), for another process."""
    from django.db import connection

    db = connection.settings_dict
    if not db["ENGINE"].endswith("postgresql"):
        raise RuntimeError("a worker process shares the test database only on PostgreSQL (mark the test postgresql)")
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def worker_process(
    broker_url: str, log_path: Path, *, pool: str = "solo", visibility_timeout_s: float | None = None
) -> Iterator[Any]:
    """A real `celery worker` process on the test database and ``broker_url``, returned once it is ready; killed
    at the end whatever happened. Solo pool: the task runs in the worker process itself, so killing that process
    is losing the machine under the task (the message stays unacknowledged in Redis). Prefork (one child, as in
    production): the task runs in a child, which the OOM killer may kill alone (``worker_children``). With
    ``visibility_timeout_s`` Redis redelivers such a message after that many seconds (``tests.worker_settings``)."""
    from django.conf import settings

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": broker_url,
    }
    if visibility_timeout_s is not None:
        env["STAGEGATE_TEST_VISIBILITY_TIMEOUT"] = str(visibility_timeout_s)
    command = [
        *(sys.executable, "-m", "celery", "-A", "portal", "worker", f"--pool={pool}", "--concurrency=1"),
        "--loglevel=INFO",
        *("--without-gossip", "--without-mingle", "--without-heartbeat", f"--hostname=test-{log_path.stem}@%h"),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_for(
            lambda: process.poll() is not None or b" ready." in log_path.read_bytes(), WORKER_READY_TIMEOUT_S
        ):
            raise RuntimeError(f"the worker was not ready within {WORKER_READY_TIMEOUT_S} s:\n{worker_log(log_path)}")
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited with {process.returncode}:\n{worker_log(log_path)}")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()  # warm shutdown: finish the current task, then exit
            try:
                process.wait(timeout=WORKER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=WORKER_STOP_TIMEOUT_S)


def worker_log(log_path: Path, lines: int = 40) -> str:
    return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])


def worker_children(process: subprocess.Popen) -> list[int]:
    """Pids of a prefork worker's pool children (Linux)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text()
    return [int(pid) for pid in children.split()]
