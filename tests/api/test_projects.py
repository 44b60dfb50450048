"""projects/: list with the shared filters, detail, create, update, resume, history; query budget."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle import services
from lifecycle.choices import ProjectState
from lifecycle.models import AuditRecord, Project
from portfolio.choices import Role
from tests.factories import BusinessUnitFactory, PortfolioFactory, StrategicGoalFactory, make_project, member

LIST = "/api/v1/projects/"


def codes(response) -> list[str]:
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def catalog(portfolio, people):
    """Four projects of the PM's portfolio that differ on every filter."""
    unit = BusinessUnitFactory(name="Retail")
    goal = StrategicGoalFactory(name="Grow revenue")
    other_pm = member(portfolio, Role.PROGRAM_MANAGER, "program")
    return {
        "unit": unit,
        "goal": goal,
        "other_pm": other_pm,
        "a": make_project(
            portfolio=portfolio,
            owner=people["pm"],
            sponsor=people["exec"],
            code="AML-010",
            name="Churn model",
            business_unit=unit,
        ),
        "b": make_project(
            portfolio=portfolio,
            owner=other_pm,
            sponsor=people["exec"],
            code="AML-011",
            name="Demand forecast",
            strategic_goal=goal,
            risk_tier="high",
        ),
        "c": make_project(
            portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-012", name="Fraud alerts"
        ),
    }


def test_list_shows_the_portfolio_projects_with_their_fields(pm_client, project, people):
    response = pm_client.get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 1
    row = response.json()["results"][0]
    assert row == {
        "id": project.pk,
        "code": "AML-001",
        "name": "Churn prediction",
        "portfolio": {"id": project.portfolio_id, "name": "Applied Machine Learning", "slug": "aml"},
        "business_unit": None,
        "strategic_goal": None,
        "owner": {"id": people["pm"].pk, "username": "pm", "full_name": "pm"},
        "sponsor": {"id": people["exec"].pk, "username": "exec", "full_name": "exec"},
        "risk_tier": "medium",
        "ideation_date": "2026-01-05",
        "start_date": None,
        "target_end_date": None,
        "actual_end_date": None,
        "phase": "charter",
        "state": "active",
        "overall_rag": "not_assessed",
        "computed_rag": "not_assessed",
        "reported_rag": "not_assessed",
        "rag_differs": False,
        "rag_override_until": None,
        "rag_override_reason": "",
        "open_reviews": 0,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["AML-010", "AML-011", "AML-012"]),
        ("q=fraud", ["AML-012"]),
        ("q=aml-01", ["AML-010", "AML-011", "AML-012"]),
        ("risk_tier=high", ["AML-011"]),
        ("state=on_hold", []),
        ("phase=charter", ["AML-010", "AML-011", "AML-012"]),
        ("phase=modeling", []),
        ("ordering=-code", ["AML-012", "AML-011", "AML-010"]),
        ("ordering=name", ["AML-010", "AML-011", "AML-012"]),
    ],
)
def test_list_filters(pm_client, catalog, query, expected):
    response = pm_client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert codes(response) == expected


def test_list_filters_on_related_objects(pm_client, catalog, people, portfolio):
    assert codes(pm_client.get(f"{LIST}?business_unit={catalog['unit'].pk}")) == ["AML-010"]
    assert codes(pm_client.get(f"{LIST}?strategic_goal={catalog['goal'].pk}")) == ["AML-011"]
    assert codes(pm_client.get(f"{LIST}?owner={catalog['other_pm'].pk}")) == ["AML-011"]
    assert codes(pm_client.get(f"{LIST}?owner={people['pm'].pk}&ordering=-code")) == ["AML-012", "AML-010"]
    assert codes(pm_client.get(f"{LIST}?portfolio={portfolio.pk}")) == ["AML-010", "AML-011", "AML-012"]


@pytest.mark.parametrize("query", ["phase=nope", "state=x", "owner=abc", "portfolio=0", "ordering=secret"])
def test_list_rejects_unknown_filter_values_with_400(pm_client, catalog, query):
    response = pm_client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == [query.split("=")[0]]


def test_a_hidden_id_and_a_missing_id_in_a_filter_both_list_nothing(pm_client, catalog):
    hidden = make_project(portfolio=PortfolioFactory(slug="hidden"), code="HID-001")
    for name, value in (("portfolio", hidden.portfolio_id), ("owner", hidden.owner_id)):
        as_hidden, as_missing = pm_client.get(f"{LIST}?{name}={value}"), pm_client.get(f"{LIST}?{name}=999999")
        assert as_hidden.status_code == as_missing.status_code == 200, name
        assert as_hidden.json() == as_missing.json() == {"count": 0, "next": None, "previous": None, "results": []}
    for query in ("business_unit=999999", "strategic_goal=999999"):
        assert codes(pm_client.get(f"{LIST}?{query}")) == [], query


def test_detail(pm_client, project):
    response = pm_client.get(f"{LIST}{project.pk}/")
    assert response.status_code == 200
    assert response.json()["code"] == "AML-001"
    assert response.json()["open_reviews"] == 0


def test_create(pm_client, portfolio, people):
    unit = BusinessUnitFactory(name="Retail")
    response = pm_client.post(
        LIST,
        {
            "code": "aml-077",
            "name": "  Price elasticity ",
            "portfolio": portfolio.pk,
            "owner": people["pm"].pk,
            "sponsor": people["exec"].pk,
            "business_unit": unit.pk,
            "risk_tier": "high",
            "ideation_date": "2026-02-01",
            "start_date": "2026-03-01",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    project = Project.objects.get(code="AML-077")
    assert body["id"] == project.pk
    assert (body["code"], body["name"], body["phase"], body["state"]) == (
        "AML-077",
        "Price elasticity",
        "charter",
        "active",
    )
    assert body["business_unit"] == {"id": unit.pk, "name": "Retail"}
    assert project.start_date == datetime.date(2026, 3, 1)
    assert project.activities.count() == 32  # the catalog's 27 activities and 5 gates
    assert AuditRecord.objects.filter(project=project, action="project.create").count() == 1


def test_create_refusals_are_400_with_field_messages(pm_client, portfolio, people, project, unchanged):
    base = {
        "code": "AML-078",
        "name": "X",
        "portfolio": portfolio.pk,
        "owner": people["pm"].pk,
        "sponsor": people["exec"].pk,
        "ideation_date": "2026-02-01",
    }
    cases = [
        ({"code": "AML-001"}, {"code": "Already taken."}),
        ({"sponsor": people["ds"].pk}, {"sponsor": "ds is not an executive leader of this portfolio."}),
        ({"start_date": "2026-01-01"}, {"start_date": "The start date cannot be before the ideation date."}),
    ]
    for change, errors in cases:
        with unchanged():
            response = pm_client.post(LIST, {**base, **change}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == errors
    with unchanged():
        response = pm_client.post(LIST, {**base, "owner": people["outsider"].pk}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["owner"]


def test_update(pm_client, project, people):
    computed = pm_client.patch(f"{LIST}{project.pk}/", {"overall_rag": "yellow"}, format="json")
    assert computed.status_code == 400 and list(computed.json()["errors"]) == ["overall_rag"]  # computed, not edited
    response = pm_client.patch(
        f"{LIST}{project.pk}/",
        {"name": "Churn v2", "target_end_date": "2026-12-31", "reason": "Re-scoped"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["overall_rag"]) == ("Churn v2", "not_assessed")
    project.refresh_from_db()
    assert project.target_end_date == datetime.date(2026, 12, 31)
    record = AuditRecord.objects.get(project=project, action="project.update")
    assert record.after == {"name": "Churn v2", "target_end_date": "2026-12-31"}
    assert record.reason == "Re-scoped"


def test_update_cannot_touch_phase_or_state(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.patch(f"{LIST}{project.pk}/", {"phase": "closure", "state": "closed"}, format="json")
    # phase and state are not fields of the update shape: ignored, nothing changes
    assert response.status_code == 200
    assert (response.json()["phase"], response.json()["state"]) == ("charter", "active")


def test_put_is_not_offered(pm_client, project):
    assert pm_client.put(f"{LIST}{project.pk}/", {}, format="json").status_code == 405


def test_resume(exec_client, project, open_review, people):
    services.gate_decide(
        actor=people["exec"], review=open_review, decision="no_go", no_go_outcome="hold", rationale="Wait for data"
    )
    response = exec_client.post(f"{LIST}{project.pk}/resume/", {"reason": "Data arrived"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "active"
    project.refresh_from_db()
    assert project.state == ProjectState.ACTIVE
    assert project.transitions.last().reason == "Data arrived"


def test_resume_an_active_project_is_409(exec_client, project, unchanged):
    with unchanged():
        response = exec_client.post(f"{LIST}{project.pk}/resume/", {"reason": "why not"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"


def test_history_is_paginated_newest_first(pm_client, project, people):
    services.project_update(actor=people["pm"], project=project, changes={"name": "Renamed"}, reason="r")
    response = pm_client.get(f"{LIST}{project.pk}/history/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["action"] for row in body["results"]] == ["project.update", "project.create"]
    newest = body["results"][0]
    assert newest["actor"] == {"id": people["pm"].pk, "username": "pm", "full_name": "pm"}
    assert (newest["before"], newest["after"], newest["reason"]) == (
        {"name": "Churn prediction"},
        {"name": "Renamed"},
        "r",
    )
    page = pm_client.get(f"{LIST}{project.pk}/history/?page=2")
    assert page.status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _add_projects(portfolio, people, count, start):
    unit = BusinessUnitFactory(name="Retail")
    goal = StrategicGoalFactory(name="Grow revenue")
    for number in range(start, start + count):
        make_project(
            portfolio=portfolio,
            owner=people["pm"],
            sponsor=people["exec"],
            code=f"Q-{number:03d}",
            business_unit=unit,
            strategic_goal=goal,
        )


def test_list_and_detail_query_counts_do_not_grow_with_projects(pm_client, portfolio, people):
    _add_projects(portfolio, people, 5, 0)
    first = Project.objects.order_by("pk").first()
    few_list, few_detail = _queries(pm_client, LIST), _queries(pm_client, f"{LIST}{first.pk}/")
    _add_projects(portfolio, people, 45, 5)
    assert Project.objects.count() == 50
    many_list, many_detail = _queries(pm_client, LIST), _queries(pm_client, f"{LIST}{first.pk}/")
    assert many_list == few_list
    assert many_detail == few_detail
    assert len(pm_client.get(LIST).json()["results"]) == 50
