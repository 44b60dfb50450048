"""Metric snapshots (read-only, filtered, each with the registry's description) and the metric registry."""

import datetime

import pytest
from rest_framework.test import APIClient

from metrics.formulas.registry import METRICS
from metrics.snapshots.models import MetricSnapshot
from tests.api.metrics_world import api_refused, make_snapshot
from tests.factories import UserFactory, make_project

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def snapshots(project, people):
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    rows = {
        "cpi_mar": make_snapshot(project, "cpi", "2026-03", 0.95),
        "spi_mar": make_snapshot(project, "spi", "2026-03", 1.1),
        "cpi_other": make_snapshot(other, "cpi", "2026-03", 0.7),
    }
    april = make_snapshot(project, "cpi", "2026-04", 1.0)
    MetricSnapshot.objects.filter(pk=april.pk).update(
        period_start=datetime.date(2026, 4, 1), period_end=datetime.date(2026, 4, 30)
    )
    rows["cpi_apr"] = april
    return rows


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_snapshot_carries_the_registry_description(snapshots, client_for):
    snapshot = snapshots["cpi_mar"]
    body = client_for("exec").get(f"/api/v1/metric-snapshots/{snapshot.pk}/").json()
    spec = METRICS["cpi"]
    assert body == {
        "id": snapshot.pk,
        "metric": "cpi",
        "label": spec.label,
        "unit": spec.unit,
        "formula": spec.formula,
        "scope_type": "project",
        "scope_id": snapshot.project_id,
        "period": "2026-03",
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
        "value": 0.95,
        "detail": {"inputs": {"ev": 95, "ac": 100}},
        "portfolio": snapshot.portfolio_id,
        "project": snapshot.project_id,
        "frozen": False,
        "computed_at": "2026-03-05T10:00:00Z",
    }


def test_snapshot_filters(snapshots, project, client_for):
    client = client_for("ds")
    url = "/api/v1/metric-snapshots/"
    s = {name: row.pk for name, row in snapshots.items()}
    assert set(ids(client.get(url))) == set(s.values())
    assert set(ids(client.get(url, {"metric": "cpi"}))) == {s["cpi_mar"], s["cpi_other"], s["cpi_apr"]}
    assert set(ids(client.get(url, {"metric": "cpi", "project": project.pk}))) == {s["cpi_mar"], s["cpi_apr"]}
    by_scope = {"scope_type": "project", "scope_id": snapshots["cpi_other"].scope_id}
    assert ids(client.get(url, by_scope)) == [s["cpi_other"]]
    assert set(ids(client.get(url, {"period": "2026-04"}))) == {s["cpi_apr"]}
    assert set(ids(client.get(url, {"period_from": "2026-04-01"}))) == {s["cpi_apr"]}
    assert set(ids(client.get(url, {"period_to": "2026-03-31", "metric": "spi"}))) == {s["spi_mar"]}
    assert len(ids(client.get(url, {"portfolio": project.portfolio_id}))) == 4
    assert ids(client.get(url, {"scope_type": "team"})) == []
    for bad in ({"scope_type": "galaxy"}, {"period_from": "March"}, {"project": "-1"}, {"scope_id": str(2**70)}):
        assert client.get(url, bad).status_code == 400, bad


def test_snapshots_are_read_only_and_scoped(snapshots, client_for):
    url = f"/api/v1/metric-snapshots/{snapshots['cpi_mar'].pk}/"
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("outsider").get("/api/v1/metric-snapshots/").json()["results"] == []
    api_refused(lambda: client_for("pm").patch(url, {"value": 2}, format="json"), 405)
    api_refused(lambda: client_for("pm").post("/api/v1/metric-snapshots/", {}, format="json"), 405)


def test_the_registry(client_for):
    every = client_for("ds").get("/api/v1/metrics/").json()
    assert [row["key"] for row in every] == list(METRICS)
    cpi = next(row for row in every if row["key"] == "cpi")
    spec = METRICS["cpi"]
    assert cpi == {
        "key": "cpi",
        "label": spec.label,
        "unit": spec.unit,
        "scope": "portfolio",
        "formula": spec.formula,
        "inputs": list(spec.inputs),
        "thresholds": spec.thresholds,
    }
    scrum = client_for("ds").get("/api/v1/metrics/", {"scope": "scrum"}).json()
    assert scrum and {row["scope"] for row in scrum} == {"scrum"}
    assert client_for("ds").get("/api/v1/metrics/", {"scope": "astrology"}).status_code == 400
    assert client_for("ds").get("/api/v1/metrics/cpi/").json() == cpi
    assert client_for("ds").get("/api/v1/metrics/no_such_metric/").status_code == 404
    nobody = APIClient()
    nobody.force_authenticate(UserFactory(username="no-role"))
    assert nobody.get("/api/v1/metrics/").json() == []
    assert nobody.get("/api/v1/metrics/cpi/").status_code == 404
    assert APIClient().get("/api/v1/metrics/").status_code == 401
