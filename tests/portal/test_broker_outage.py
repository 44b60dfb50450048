"""The Celery broker stopped for real: writes that ask for a computation still succeed and are stored, their
computation request is kept, pages and the API keep serving (the project dashboard says its figures are being
updated), and once the broker is back the beat reconciler, run by a real worker, computes what was missed.

The broker is a private `redis-server` (``tests.redis_process``) killed and started again on the same port; the
worker is a real Celery worker thread consuming from it. The tests' own computers (``compute_fixtures``) make
the expected figures plain sums of the cost entries."""

from __future__ import annotations

import datetime
import time

import pytest
import redis
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from metrics.portfolio_inputs.models import CostEntry
from metrics.snapshots import tasks
from metrics.snapshots.models import MetricComputeRequest, MetricSnapshot
from tests.metrics.compute_fixtures import Computed, celery_broker_at, redis_worker, register_test_computers, wait_for
from tests.redis_process import PrivateRedis, private_redis_server

pytestmark = pytest.mark.django_db(transaction=True)

PENDING_NOTE = "Figures are being updated"
# An enqueue to a refused connection gives up after kombu's publish retries (about 1 s); two per edit here.
WRITE_BOUND_S = 15


@pytest.fixture
def test_computers(monkeypatch) -> Computed:
    return register_test_computers(monkeypatch)


@pytest.fixture
def broker(monkeypatch, test_computers, project):
    """The project is created (and computed in-process by the tests' computers, which a test must ask for before
    ``project``) before the broker is put in place."""
    monkeypatch.setattr(tasks, "COMPUTE_DELAY_S", 0)
    with private_redis_server() as server, celery_broker_at(monkeypatch, server.url()):
        yield server


def cost_total(scope_type: str, scope_id: int) -> float | None:
    metric = "test.cost_total" if scope_type == "project" else "test.portfolio_cost"
    row = MetricSnapshot.objects.filter(metric=metric, scope_type=scope_type, scope_id=scope_id).first()
    return None if row is None else row.value


def totals(project) -> tuple[float | None, float | None]:
    """The project's and its portfolio's cost totals as stored in their snapshots."""
    return cost_total("project", project.pk), cost_total("portfolio", project.portfolio_id)


def pending() -> set[tuple[str, int]]:
    return set(MetricComputeRequest.objects.values_list("scope_type", "scope_id"))


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_writes_succeed_while_the_broker_is_down_and_are_computed_once_it_is_back(
    test_computers, client, people, project, broker: PrivateRedis
) -> None:
    scopes = {("project", project.pk), ("portfolio", project.portfolio_id)}
    assert totals(project) == (0, 0)
    assert pending() == set()
    client.force_login(people["pm"])
    api = APIClient()
    api.force_authenticate(people["pm"])

    broker.stop()

    page, page_s = timed(
        lambda: client.post(
            reverse("project-input-section", args=[project.pk, "costs"]),
            {"day": "2026-03-02", "amount": "120", "category": "labour"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert page.status_code == 200 and "The cost entry is recorded." in page.content.decode()
    created, api_s = timed(
        lambda: api.post(
            f"/api/v1/projects/{project.pk}/cost-entries/",
            {"day": "2026-03-03", "amount": "80", "category": "data"},
            format="json",
        )
    )
    assert created.status_code == 201, created.content
    assert max(page_s, api_s) < WRITE_BOUND_S
    assert sorted(CostEntry.objects.filter(project=project).values_list("amount", flat=True)) == [80, 120]
    assert pending() == scopes  # nothing was sent: the requests wait for the reconciler

    # Reads keep serving the last figures, and the dashboard says they are about to change.
    dashboard = client.get(reverse("dashboard-project", args=[project.pk]))
    assert dashboard.status_code == 200 and PENDING_NOTE in dashboard.content.decode()
    assert client.get(reverse("project-list")).status_code == 200
    snapshots = api.get("/api/v1/metric-snapshots/", {"scope_type": "project", "scope_id": project.pk})
    assert snapshots.status_code == 200
    assert {row["metric"]: row["value"] for row in snapshots.json()["results"]}["test.cost_total"] == 0
    assert api.get(f"/api/v1/projects/{project.pk}/cost-entries/").json()["count"] == 2

    broker.start()  # same port, empty: the sends that failed are not there
    assert redis.Redis.from_url(broker.url()).llen("celery") == 0
    # The reconciler leaves requests younger than its grace period to their own task: let that period pass.
    MetricComputeRequest.objects.update(
        requested_at=timezone.now() - tasks.PENDING_GRACE - datetime.timedelta(seconds=1)
    )
    with redis_worker():
        tasks.compute_pending.delay()  # what beat sends every minute
        assert wait_for(lambda: not pending() and totals(project) == (200, 200), timeout_s=30)
    dashboard = client.get(reverse("dashboard-project", args=[project.pk]))
    assert dashboard.status_code == 200 and PENDING_NOTE not in dashboard.content.decode()


def test_the_dashboard_note_follows_the_pending_request_of_its_project(client, people, project) -> None:
    client.force_login(people["exec"])
    url = reverse("dashboard-project", args=[project.pk])
    assert PENDING_NOTE not in client.get(url).content.decode()

    request = MetricComputeRequest.objects.create(
        scope_type="project", scope_id=project.pk, requested_at=timezone.now()
    )
    MetricComputeRequest.objects.create(
        scope_type="portfolio", scope_id=project.portfolio_id, requested_at=request.requested_at
    )
    assert PENDING_NOTE in client.get(url).content.decode()

    request.delete()  # only the project's own request counts, not its portfolio's
    assert PENDING_NOTE not in client.get(url).content.decode()
