"""Portfolio inputs through the API: who may write each one, what a refusal leaves (nothing), corrections,
state changes, history and filters."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from lifecycle.models import AuditRecord
from metrics.portfolio_inputs.models import (
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.portfolio_inputs.services import resources as services
from tests.api.metrics_world import api_refused, build_portfolio_inputs

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

WRITERS = ("pm", "exec", "ds", "architect", "product")


def _cases(people):
    """(url, payload, model, status on success): each written by managers only."""
    ds = people["ds"].pk
    status = {"as_of": timezone.localdate().isoformat(), "schedule": "red", "percent_complete": ".25"}
    return {
        "budget": ("budget-periods/", {"period_start": "2026-04-01", "amount": "1200.50"}, BudgetPeriod, 200),
        "cost": ("cost-entries/", {"day": "2026-03-04", "amount": "99.90", "category": "data"}, CostEntry, 201),
        "allocation": ("allocations/", {"person": ds, "week": "2026-03-09", "hours": "12"}, None, 200),
        "status": ("status-reports/", status, StatusReport, 201),
        "risk": ("risks/", {"title": "Bias", "probability": "0.5", "impact": 3, "owner": ds}, Risk, 201),
        "issue": ("issues/", {"title": "Outage", "severity": "critical"}, Issue, 201),
        "benefit": ("benefits/", {"name": "Hours saved", "unit": "h"}, None, 201),
    }  # fmt: skip


@pytest.mark.parametrize("case", ["budget", "cost", "allocation", "status", "risk", "issue", "benefit"])
@pytest.mark.parametrize("role", WRITERS)
def test_project_inputs_are_written_by_managers_only(project, people, client_for, case, role):
    segment, payload, model, success = _cases(people)[case]
    url = f"/api/v1/projects/{project.pk}/{segment}"
    client = client_for(role)
    if role != "pm":
        body = api_refused(lambda: client.post(url, payload, format="json"), 403).json()
        assert body["code"] == "not_allowed"
        return
    response = client.post(url, payload, format="json")
    assert response.status_code == success, response.content
    assert response.json()["project"] == project.pk
    listed = client_for("exec").get(url).json()  # every member reads
    assert [row["id"] for row in listed["results"]] == [response.json()["id"]]
    if model is not None:
        assert model.objects.filter(project=project).count() == 1


@pytest.mark.parametrize("case", ["budget", "cost", "risk"])
def test_an_outsider_gets_404_and_changes_nothing(project, people, client_for, case):
    segment, payload, _model, _success = _cases(people)[case]
    url = f"/api/v1/projects/{project.pk}/{segment}"
    api_refused(lambda: client_for("outsider").post(url, payload, format="json"), 404)
    assert client_for("outsider").get(url).status_code == 404


def test_a_rule_broken_is_400_with_the_field_and_nothing_written(project, client_for):
    url = f"/api/v1/projects/{project.pk}/budget-periods/"
    body = api_refused(
        lambda: client_for("pm").post(url, {"period_start": "2026-04-02", "amount": "10"}, format="json"), 400
    ).json()
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "period_start": "A budget period is a calendar month: give its first day, not 2026-04-02."
    }
    shape = api_refused(lambda: client_for("pm").post(url, {"amount": "-1"}, format="json"), 400).json()
    assert set(shape["errors"]) == {"period_start", "amount"}


def test_budget_sent_again_replaces_the_month(project, client_for):
    url = f"/api/v1/projects/{project.pk}/budget-periods/"
    client = client_for("pm")
    first = client.post(url, {"period_start": "2026-04-01", "amount": "100"}, format="json").json()
    second = client.post(url, {"period_start": "2026-04-01", "amount": "150.25"}, format="json").json()
    assert first["id"] == second["id"] and second["amount"] == "150.25"
    assert list(BudgetPeriod.objects.values_list("amount", flat=True)) == [150.25]


def test_cost_entry_correction_needs_a_reason_and_a_manager(project, people, client_for):
    entry = services.cost_entry_add(actor=people["pm"], project=project, day=datetime.date(2026, 3, 3), amount="250")
    url = f"/api/v1/cost-entries/{entry.pk}/"
    api_refused(lambda: client_for("pm").patch(url, {"amount": "200"}, format="json"), 400)
    api_refused(lambda: client_for("exec").patch(url, {"amount": "200", "reason": "Typo"}, format="json"), 403)
    api_refused(lambda: client_for("outsider").patch(url, {"amount": "200", "reason": "Typo"}, format="json"), 404)
    response = client_for("pm").patch(url, {"amount": "200", "reason": "Invoice corrected"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["amount"] == "200.00"
    record = AuditRecord.objects.filter(action="cost_entry.update").get()
    assert (record.reason, record.before, record.after) == (
        "Invoice corrected",
        {"amount": "250.00"},
        {"amount": "200.00"},
    )
    assert client_for("ds").get(url).json()["amount"] == "200.00"


def test_time_entries_own_time_for_everyone_others_for_managers(project, people, client_for):
    url = f"/api/v1/projects/{project.pk}/time-entries/"
    own = client_for("ds").post(url, {"day": "2026-03-03", "hours": "6.5"}, format="json")
    assert own.status_code == 201, own.content
    assert own.json()["person"]["id"] == people["ds"].pk
    payload = {"person": people["pm"].pk, "day": "2026-03-03", "hours": "1"}
    api_refused(lambda: client_for("ds").post(url, payload, format="json"), 403)
    for_ds = {"person": people["ds"].pk, "day": "2026-03-03", "hours": "2"}
    assert client_for("pm").post(url, for_ds, format="json").status_code == 201
    too_much = {"day": "2026-03-03", "hours": "20"}
    body = api_refused(lambda: client_for("ds").post(url, too_much, format="json"), 400).json()
    assert "hours" in body["errors"]
    assert TimeEntry.objects.count() == 2


def test_capacity_per_person_set_by_their_manager(project, people, client_for):
    payload = {"person": people["ds"].pk, "week": "2026-03-09", "working_hours": "32", "leave_hours": "8"}
    api_refused(lambda: client_for("exec").post("/api/v1/capacities/", payload, format="json"), 403)
    api_refused(lambda: client_for("outsider").post("/api/v1/capacities/", payload, format="json"), 400)
    response = client_for("pm").post("/api/v1/capacities/", payload, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["capacity_hours"] == "24.00"
    listed = client_for("ds").get("/api/v1/capacities/", {"person": people["ds"].pk}).json()
    assert [row["week"] for row in listed["results"]] == ["2026-03-09"]
    assert client_for("outsider").get("/api/v1/capacities/").json()["results"] == []
    assert Capacity.objects.count() == 1


def test_status_report_history_newest_first_and_future_refused(project, people, client_for):
    url = f"/api/v1/projects/{project.pk}/status-reports/"
    client = client_for("pm")
    assert client.post(url, {"as_of": "2026-01-05", "schedule": "green"}, format="json").status_code == 201
    override = {"as_of": "2026-02-02", "cost": "green", "override": "red", "override_reason": "Vendor risk"}
    assert client.post(url, override, format="json").status_code == 201
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    api_refused(lambda: client.post(url, {"as_of": future, "schedule": "green"}, format="json"), 400)
    rows = client_for("ds").get(url).json()["results"]
    assert [(r["as_of"], r["overall_rag"], r["derived_rag"]) for r in rows] == [
        ("2026-02-02", "red", "green"),
        ("2026-01-05", "green", "green"),
    ]
    project.refresh_from_db()
    assert project.overall_rag == "not_assessed"  # reports no longer set it: the computer does, from the inputs
    assert [r["as_of"] for r in client.get(url, {"overall_rag": "green"}).json()["results"]] == ["2026-01-05"]


# The risk opens "today" and closes on a fixed date: today is pinned between the inputs' dates and that one.
@time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC))
def test_risk_reassess_and_close_then_close_again_is_409(project, people, client_for):
    rows = build_portfolio_inputs(project, people)
    url = f"/api/v1/risks/{rows['risk'].pk}/"
    api_refused(lambda: client_for("ds").patch(url, {"impact": 5}, format="json"), 403)
    response = client_for("pm").patch(url, {"impact": 5, "reason": "New data"}, format="json")
    assert response.status_code == 200 and response.json()["impact"] == 5
    closed = client_for("pm").post(f"{url}close/", {"closed_on": "2026-12-01"}, format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["state"], closed.json()["closed_on"]) == ("closed", "2026-12-01")
    body = api_refused(lambda: client_for("pm").post(f"{url}close/", {}, format="json"), 409).json()
    assert body["code"] == "transition_not_allowed"
    listed = client_for("pm").get(f"/api/v1/projects/{project.pk}/risks/", {"state": "open"}).json()
    assert listed["results"] == []


def test_issue_close_and_open_filter(project, people, client_for):
    rows = build_portfolio_inputs(project, people)
    issues_url = f"/api/v1/projects/{project.pk}/issues/"
    assert [r["id"] for r in client_for("pm").get(issues_url, {"open": "true"}).json()["results"]] == [rows["issue"].pk]
    url = f"/api/v1/issues/{rows['issue'].pk}/close/"
    api_refused(lambda: client_for("exec").post(url, {}, format="json"), 403)
    closed = client_for("pm").post(url, {"resolution": "Backfilled"}, format="json")
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    api_refused(lambda: client_for("pm").post(url, {}, format="json"), 409)
    assert client_for("pm").get(issues_url, {"open": "true"}).json()["results"] == []
    api_refused(lambda: client_for("pm").get(issues_url, {"severity": "apocalyptic"}), 400)


def test_benefit_measurements_recorded_and_listed(project, people, client_for):
    rows = build_portfolio_inputs(project, people)
    url = f"/api/v1/benefits/{rows['benefit'].pk}/measurements/"
    payload = {"period_end": "2026-04-30", "planned": "100", "realized": None}
    api_refused(lambda: client_for("product").post(url, payload, format="json"), 403)
    assert client_for("pm").post(url, payload, format="json").status_code == 200
    again = client_for("pm").post(url, {**payload, "realized": "90"}, format="json").json()
    assert again["realized"] == "90.00"
    listed = client_for("ds").get(url).json()
    assert [(r["period_end"], r["planned"], r["realized"]) for r in listed] == [
        ("2026-03-31", "100.00", "80.00"),
        ("2026-04-30", "100.00", "90.00"),
    ]
    assert BenefitMeasurement.objects.count() == 2
    assert client_for("outsider").get(url).status_code == 404


def test_benefit_tied_to_an_unknown_success_metric_is_refused(project, client_for):
    url = f"/api/v1/projects/{project.pk}/benefits/"
    body = api_refused(
        lambda: client_for("pm").post(url, {"name": "X", "success_metric": 999999}, format="json"), 400
    ).json()
    assert "success_metric" in body["errors"]


def test_cost_list_filters(project, people, client_for):
    pm = people["pm"]
    services.cost_entry_add(actor=pm, project=project, day=datetime.date(2026, 3, 3), amount="1", category="data")
    services.cost_entry_add(actor=pm, project=project, day=datetime.date(2026, 4, 3), amount="2", category="labour")
    url = f"/api/v1/projects/{project.pk}/cost-entries/"
    client = client_for("exec")
    assert [r["amount"] for r in client.get(url, {"category": "data"}).json()["results"]] == ["1.00"]
    assert [r["amount"] for r in client.get(url, {"day_from": "2026-04-01"}).json()["results"]] == ["2.00"]
    assert client.get(url, {"day_to": "not-a-date"}).status_code == 400
