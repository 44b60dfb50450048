"""Invariants over the seeded demo, read the way people read them (pages, CSV exports, the project column):

- the overall RAG is the worst of the four dimensions unless a manager's override is in force, on every project,
  in its history too, and the project list's column says the same;
- no headline takes a partial period: product headlines name a complete day or month, team headlines a closed
  sprint;
- cumulative series never decrease: each project's monthly PV, AC and EV, and the portfolio S-curve.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from lifecycle.choices import RAG
from lifecycle.models import Project
from metrics.portfolio_inputs.models import RagOverride
from metrics.product.models import Product
from metrics.scrum.choices import SprintState
from metrics.scrum.models import Sprint, Team
from metrics.snapshots.models import MetricSnapshot

# The demo is seeded relative to today: `make test-clock` runs this a year ahead.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DIMENSIONS = ("schedule_health", "cost_health", "risk_health", "issue_health")
SEVERITY = {"green": 0, "yellow": 1, "red": 2}


def _worst(rags) -> str:
    stated = [rag for rag in rags if rag in SEVERITY]
    return max(stated, key=SEVERITY.__getitem__) if stated else ""


def _current(metric: str) -> dict[int, MetricSnapshot]:
    rows = MetricSnapshot.objects.filter(metric=metric, scope_type="project", period="")
    return {row.scope_id: row for row in rows}


@pytest.fixture
def executive(client):
    client.force_login(get_user_model().objects.get(username="exec"))
    return client


def test_overall_rag_is_the_worst_dimension_unless_an_override_is_in_force():
    today = timezone.localdate()
    overall = _current("overall_rag")
    dimensions = {metric: _current(metric) for metric in DIMENSIONS}
    in_force = {row.project_id: row for row in RagOverride.objects.active_on(today)}
    projects = Project.objects.all()
    assert projects.count() >= 28
    for project in projects:
        detail = overall[project.pk].detail
        worst = _worst(dimensions[metric][project.pk].detail.get("rag") for metric in DIMENSIONS)
        assert detail["derived"] == worst, project.code
        expected = in_force[project.pk].rag if project.pk in in_force else worst
        assert (detail["rag"], detail["overridden"]) == (expected, project.pk in in_force), project.code
        assert project.overall_rag == (expected or RAG.NOT_ASSESSED), project.code
        assert project.rag_differs == bool(detail["reported"] and worst and detail["reported"] != worst)
    # The demo tells a story in every colour, computed from its inputs (not typed in by the PMs).
    shown = {project.overall_rag for project in projects}
    assert {RAG.GREEN, RAG.YELLOW, RAG.RED} <= shown, shown


def test_the_rag_history_follows_the_same_rule():
    this_month = timezone.localdate().strftime("%Y-%m")
    history = MetricSnapshot.objects.filter(metric="overall_rag", scope_type="project").exclude(period="")
    assert history.count() > 100
    for row in history.exclude(period=this_month):
        worst = _worst(row.detail.get(name) for name in ("schedule", "cost", "risk", "issues"))
        assert row.detail["derived"] == worst, (row.scope_id, row.period)
        if not row.detail["overridden"]:
            assert row.detail["rag"] == worst, (row.scope_id, row.period)
    current = _current("overall_rag")
    for row in history.filter(period=this_month):
        assert row.detail["rag"] == current[row.scope_id].detail["rag"]


def test_product_headlines_name_a_complete_day_or_month(executive):
    today = timezone.localdate()
    products = Product.objects.all()
    assert products.count() >= 3
    for product in products:
        response = executive.get(reverse("product-dashboard", args=[product.pk]))
        assert response.status_code == 200
        shown = [headline for headline in response.context["headlines"] if headline.text not in ("n/a", "—", "")]
        assert shown, product.name
        for headline in shown:
            assert headline.period, (product.name, headline.key)
        snapshots = MetricSnapshot.objects.filter(scope_type="product", scope_id=product.pk, period="")
        for row in snapshots.exclude(value=None):
            if row.detail.get("headline_day"):
                assert datetime.date.fromisoformat(row.detail["headline_day"]) < today, (product.name, row.metric)
            if row.detail.get("headline_month"):
                month = datetime.date.fromisoformat(row.detail["headline_month"])
                assert month < today.replace(day=1), (product.name, row.metric)


def test_team_headlines_are_of_the_last_closed_sprint(executive):
    teams = Team.objects.all()
    assert teams.count() >= 3
    for team in teams:
        assert Sprint.objects.filter(team=team, state=SprintState.ACTIVE).exists(), team.name  # a partial one exists
        last_closed = Sprint.objects.filter(team=team, completed_at__isnull=False).order_by("completed_at").last()
        response = executive.get(reverse("team-dashboard", args=[team.pk]))
        assert response.status_code == 200
        periods = {kpi.label: kpi.period for kpi in response.context["kpis"]}
        assert periods["Say/do"] == last_closed.name, team.name
        velocity = MetricSnapshot.objects.get(metric="velocity", scope_type="team", scope_id=team.pk, period="")
        assert velocity.detail["through_sprint"] == last_closed.pk


def _non_decreasing(values) -> bool:
    present = [value for value in values if value is not None]
    return all(later >= earlier - 1e-6 for earlier, later in zip(present, present[1:], strict=False))


def test_cumulative_series_never_decrease(executive):
    series: dict[tuple[int, str], list[tuple[str, float | None]]] = defaultdict(list)
    for row in MetricSnapshot.objects.filter(
        scope_type="project", metric__in=("cost_planned", "cost_actual", "earned_value")
    ).exclude(period=""):
        series[(row.scope_id, row.metric)].append((row.period, row.value))
    assert len(series) >= 60
    for (project_id, metric), points in series.items():
        assert _non_decreasing(value for _period, value in sorted(points)), (project_id, metric)

    response = executive.get(reverse("dashboard-portfolio"), {"csv": "cost"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert len(rows) >= 6
    for column in (1, 2, 3):  # planned, actual, earned: cumulative
        assert _non_decreasing(float(row[column]) if row[column] else None for row in rows), column
