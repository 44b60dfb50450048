""" "Not assessed" is one state: a project with no input behind its RAG shows, filters and exports as not assessed in
the project list, its filter, the API and the dashboards, never as green."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lifecycle.choices import RAG, RAG_COLOURS
from lifecycle.models import Project
from metrics.portfolio_inputs.models import StatusReport
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute
from tests.factories import make_project

pytestmark = pytest.mark.django_db


def test_not_assessed_is_declared_once_with_its_label_and_colour():
    assert (RAG.NOT_ASSESSED.value, RAG.NOT_ASSESSED.label) == ("not_assessed", "Not assessed")
    assert RAG_COLOURS[RAG.NOT_ASSESSED] == "secondary"
    assert Project._meta.get_field("overall_rag").default == RAG.NOT_ASSESSED
    assert [value for value, _label in RAG.assessed_choices()] == ["green", "yellow", "red"]


@pytest.fixture
def pair(project, people):
    """``project`` has no input at all; ``reported`` has a status report (the PM rates it yellow)."""
    reported = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    StatusReport.objects.create(
        project=reported,
        as_of=datetime.date(2026, 3, 2),
        schedule_rag="yellow",
        derived_rag="yellow",
        overall_rag="yellow",
        percent_complete=Decimal("0.1"),
        author=people["pm"],
    )
    for each in (project, reported):
        scope_compute(ScopeType.PROJECT, each.pk)
    return project, reported


def test_a_project_without_inputs_is_not_assessed_everywhere(client, people, pair):
    bare, reported = pair
    bare.refresh_from_db()
    assert (bare.overall_rag, bare.computed_rag, bare.reported_rag) == ("not_assessed",) * 3
    assert Project.objects.get(pk=reported.pk).overall_rag == "yellow"
    client.force_login(people["ds"])
    listing = client.get(reverse("project-list")).content.decode()
    assert listing.count('data-rag="not_assessed"') == 1 and "Not assessed" in listing
    assert '<option value="not_assessed"' in listing
    filtered = client.get(reverse("project-list"), {"overall_rag": "not_assessed"}).content.decode()
    assert "AML-001" in filtered and "AML-002" not in filtered
    assert "AML-001" not in client.get(reverse("project-list"), {"overall_rag": "green"}).content.decode()
    api = APIClient()
    api.force_authenticate(people["ds"])
    rows = {row["code"]: row for row in api.get("/api/v1/projects/").json()["results"]}
    assert (rows["AML-001"]["overall_rag"], rows["AML-002"]["overall_rag"]) == ("not_assessed", "yellow")
    api_filtered = api.get("/api/v1/projects/", {"overall_rag": "not_assessed"}).json()["results"]
    assert [row["code"] for row in api_filtered] == ["AML-001"]
    dashboard = client.get(reverse("dashboard-project", args=[bare.pk])).content.decode()
    assert 'data-kpi="overall">not assessed<' in dashboard
    assert 'data-rag="not_assessed"' in dashboard and "no status report" in dashboard
    detail = client.get(reverse("project-detail", args=[bare.pk])).content.decode()
    assert 'data-rag="not_assessed"' in detail and "PM reported nothing yet" in detail
