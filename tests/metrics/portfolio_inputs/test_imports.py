"""CSV import specs of the portfolio inputs, through ``import_csv``: rows go through the services."""

import datetime
from decimal import Decimal

import pytest

from lifecycle import services as lifecycle_services
from lifecycle.models import AuditRecord, Charter, CharterVersion, Milestone
from metrics.imports.base import import_csv, import_spec
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.portfolio_inputs.services import benefits
from portal.exceptions import NotAllowed
from tests.metrics.inputs_helpers import everything

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date


def snapshot():
    charter_rows = {
        "milestones": list(Milestone.objects.order_by("pk").values()),
        "versions": list(CharterVersion.objects.order_by("pk").values("pk", "number")),
        "charters": list(Charter.objects.order_by("pk").values("pk", "version")),
    }
    return {**everything(), **charter_rows}


def run(kind, actor, scope, text, *, commit=True, skip_invalid=False):
    return import_csv(import_spec(kind), actor=actor, scope=scope, data=text, commit=commit, skip_invalid=skip_invalid)


def errors_of(result):
    return [(error.line, error.fields) for error in result.errors]


# --- the file as a whole --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("budgets", "month,amount\n2026-03,10\n", "Missing column(s): period_start."),
        ("cost-entries", "day,amount\n" + "x" * 200_000 + ",1\n", "The file is not valid CSV near line 2"),
        ("risks", "title,probability,impact,title\nA,0.1,1,B\n", "Column(s) appear twice: title."),
        ("status-reports", "", "The file is empty"),
        ("milestones", b"name\n\xe9t\xe9\n", "The file is not UTF-8 text"),
    ],
)
def test_malformed_files_change_nothing_and_say_why(project, people, kind, text, message):
    before = snapshot()

    result = run(kind, people["pm"], project, text, skip_invalid=True)

    assert message in result.file_error
    assert (result.committed, result.imported, result.total) == (False, 0, 0)
    assert snapshot() == before


def test_one_bad_row_imports_nothing_unless_bad_rows_are_skipped(project, people):
    text = "day,amount,category\n2026-03-02,10,labour\n2026-03-03,ten,labour\n2026-03-04,5,gifts\n2026-03-05,1,\n"
    before = snapshot()

    refused = run("cost-entries", people["pm"], project, text)

    assert (refused.committed, refused.imported, refused.total) == (False, 0, 4)
    assert errors_of(refused) == [
        (3, {"amount": "Not a number: 'ten'."}),
        (4, {"category": "One of labour, infrastructure, licences, data, services, other."}),
    ]
    assert snapshot() == before

    skipped = run("cost-entries", people["pm"], project, text, skip_invalid=True)

    assert (skipped.committed, skipped.imported, skipped.skipped) == (True, 2, 2)
    assert list(CostEntry.objects.order_by("day").values_list("day", "amount", "category")) == [
        (D(2026, 3, 2), Decimal("10.00"), "labour"),
        (D(2026, 3, 5), Decimal("1.00"), "other"),
    ]


def test_project_imports_are_for_managers(project, people):
    for kind in ("budgets", "cost-entries", "allocations", "status-reports", "risks", "issues", "milestones"):
        with pytest.raises(NotAllowed):
            run(kind, people["exec"], project, import_spec(kind).example_csv())


# --- budgets, costs, people -----------------------------------------------------------------------------------


def test_budgets_accept_year_month_and_replace_a_month(project, people):
    text = "period_start,amount\n2026-03,1000\n2026-04-01,2000\n2026-03,1500\n2026-05-02,1\n"

    result = run("budgets", people["pm"], project, text, skip_invalid=True)

    assert errors_of(result) == [
        (5, {"period_start": "A budget period is a calendar month: give its first day, not 2026-05-02."})
    ]
    assert list(BudgetPeriod.objects.values_list("period_start", "amount")) == [
        (D(2026, 3, 1), Decimal("1500.00")),
        (D(2026, 4, 1), Decimal("2000.00")),
    ]


def test_allocations_name_people_by_username_or_email(project, people, portfolio):
    from tests.factories import UserFactory

    stranger = UserFactory(username="stranger")
    text = (
        "person,week,hours\n"
        "ds,2026-03-02,16\n"
        "DS@example.com,2026-03-09,8\n"
        "nobody,2026-03-02,8\n"
        "stranger,2026-03-02,8\n"
        "ds,2026-03-03,8\n"
    )

    result = run("allocations", people["pm"], project, text, skip_invalid=True)

    assert errors_of(result) == [
        (4, {"person": "No user matches 'nobody'."}),
        (5, {"person": f"{stranger} is not a member of this portfolio."}),
        (6, {"week": "A week is given by its Monday; 2026-03-03 is a Tuesday."}),
    ]
    assert list(Allocation.objects.order_by("week").values_list("person__username", "week", "hours")) == [
        ("ds", D(2026, 3, 2), Decimal("16.00")),
        ("ds", D(2026, 3, 9), Decimal("8.00")),
    ]


def test_time_entries_default_to_the_importer_and_members_import_only_their_own(project, people):
    result = run(
        "time-entries", people["ds"], project, "person,day,hours\n,2026-03-02,6\npm,2026-03-02,2\n", skip_invalid=True
    )

    assert [error.line for error in result.errors] == [3]
    assert "You can log only your own time" in result.errors[0].message
    assert list(TimeEntry.objects.values_list("person__username", "hours", "created_by__username")) == [
        ("ds", Decimal("6.00"), "ds")
    ]
    with pytest.raises(NotAllowed):
        run("time-entries", people["outsider"], project, "day,hours\n2026-03-02,1\n")


def test_capacity_is_imported_into_a_portfolio_for_its_members(portfolio, people):
    text = "person,week,working_hours,leave_hours\nds,2026-03-02,40,8\nexec,2026-03-02,40,\noutsider,2026-03-02,40,0\n"

    result = run("capacity", people["pm"], portfolio, text, skip_invalid=True)

    assert errors_of(result) == [(4, {"person": "Not a member of Applied Machine Learning."})]
    assert sorted(Capacity.objects.values_list("person__username", "working_hours", "leave_hours")) == [
        ("ds", Decimal("40.00"), Decimal("8.00")),
        ("exec", Decimal("40.00"), Decimal("0.00")),
    ]
    with pytest.raises(NotAllowed):
        run("capacity", people["exec"], portfolio, text)


# --- status, risks, issues ------------------------------------------------------------------------------------


def test_status_reports_apply_oldest_first_and_read_percentages(project, people):
    text = (
        "as_of,schedule,cost,risk,issues,override,override_reason,percent_complete,summary\n"
        "2026-03-31,green,red,,,,,45%,March\n"
        "2026-02-28,green,green,green,green,,,0.3,February\n"
        "2026-03-15,green,,,,red,,,\n"
    )

    result = run("status-reports", people["pm"], project, text, skip_invalid=True)

    assert errors_of(result) == [(4, {"override_reason": "Say why the overall RAG is overridden."})]
    assert list(StatusReport.objects.order_by("as_of").values_list("as_of", "overall_rag", "percent_complete")) == [
        (D(2026, 2, 28), "green", Decimal("0.3000")),
        (D(2026, 3, 31), "red", Decimal("0.4500")),
    ]
    project.refresh_from_db()
    # Reports are the PM's view, shown beside the computed RAG: they no longer set the project's overall RAG.
    assert project.overall_rag == "not_assessed"


def test_risks_are_added_updated_by_title_closed_and_never_reopened(project, people):
    first = "title,probability,impact,owner,opened_on\nLate data,0.5,4,pm,2026-02-01\n"
    run("risks", people["pm"], project, first)
    second = (
        "title,probability,impact,owner,closed_on,mitigation\n"
        "Late data,0.2,4,pm,2026-03-10,Second vendor\n"
        "Drift,1.5,9,,,\n"
    )

    result = run("risks", people["pm"], project, second, skip_invalid=True)

    assert errors_of(result) == [(3, {"probability": "Must be at most 1.", "impact": "A whole number from 1 to 5."})]
    risk = Risk.objects.get()
    assert (risk.probability, risk.state, risk.closed_on, risk.mitigation) == (
        Decimal("0.20"),
        "closed",
        D(2026, 3, 10),
        "Second vendor",
    )
    assert [r.action for r in AuditRecord.objects.filter(target_type="metrics.risk").order_by("id")] == [
        "risk.add",
        "risk.update",
        "risk.close",
    ]
    reopen = run("risks", people["pm"], project, "title,probability,impact\nLate data,0.2,4\n")
    assert errors_of(reopen) == [(2, {"closed_on": "Closed on 2026-03-10."})]


def test_issues_are_opened_and_closed_and_not_edited(project, people):
    text = (
        "title,severity,opened_on,closed_on,resolution\n"
        "Outage,HIGH,2026-03-02,,\n"
        "Slow API,low,2026-03-03,2026-03-04,Cache\n"
        "Bad,urgent,2026-03-03,,\n"
    )
    result = run("issues", people["pm"], project, text, skip_invalid=True)
    assert [(line, list(fields)) for line, fields in errors_of(result)] == [(4, ["severity"])]

    again = run(
        "issues",
        people["pm"],
        project,
        "title,severity,closed_on\nOutage,high,2026-03-05\nSlow API,critical,\n",
        skip_invalid=True,
    )

    assert errors_of(again) == [(3, {"severity": "Logged as low."})]
    assert list(Issue.objects.order_by("title").values_list("title", "severity", "closed_on")) == [
        ("Outage", "high", D(2026, 3, 5)),
        ("Slow API", "low", D(2026, 3, 4)),
    ]


# --- benefits and milestones ----------------------------------------------------------------------------------


def test_benefit_measurements_create_benefits_tied_to_success_metrics(project, people):
    lifecycle_services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=project.charter.version,
        changes={"success_metrics": [{"name": "Monthly churn", "unit": "EUR"}]},
    )
    text = (
        "benefit,period_end,planned,realized,success_metric,unit\n"
        "Churn reduction,2026-03-31,1000,800,Monthly churn,EUR\n"
        "Churn reduction,2026-04-30,1000,,,\n"
        "Upsell,2026-03-31,10,5,No such metric,\n"
        "Churn reduction,2026-05-31,-1,,,\n"
    )

    result = run("benefit-measurements", people["pm"], project, text, skip_invalid=True)

    assert errors_of(result) == [
        (4, {"success_metric": "The charter has no success metric named 'No such metric'."}),
        (5, {"planned": "Must be at least 0."}),
    ]
    benefit = Benefit.objects.get()
    assert (benefit.name, benefit.success_metric.name, benefit.unit) == ("Churn reduction", "Monthly churn", "EUR")
    assert list(BenefitMeasurement.objects.values_list("period_end", "planned", "realized")) == [
        (D(2026, 3, 31), Decimal("1000.00"), Decimal("800.00")),
        (D(2026, 4, 30), Decimal("1000.00"), None),
    ]


def test_milestones_go_through_the_charter_one_version_per_change(project, people):
    version = Charter.objects.get(project=project).version
    text = "name,due_date,done\nPilot,2026-06-30,no\nLaunch,2026-09-30,\nPilot,2026-06-30,yes\nBad,30/06/2026,maybe\n"

    result = run("milestones", people["pm"], project, text, skip_invalid=True)

    assert errors_of(result) == [
        (5, {"due_date": "Not a date (YYYY-MM-DD): '30/06/2026'.", "done": "Yes or no (1/0, true/false), not 'maybe'."})
    ]
    charter = Charter.objects.get(project=project)
    assert list(charter.milestones.values_list("name", "due_date", "done")) == [
        ("Pilot", D(2026, 6, 30), True),
        ("Launch", D(2026, 9, 30), False),
    ]
    assert charter.version == version + 3
    assert list(CharterVersion.objects.filter(charter=charter).values_list("note", flat=True)[:3]) == ["CSV import"] * 3


def test_milestone_preview_leaves_the_charter_as_it_was(project, people):
    before = snapshot()

    result = run("milestones", people["pm"], project, "name,due_date\nPilot,2026-06-30\n", commit=False)

    assert (result.total, result.imported, result.committed) == (1, 1, False)
    assert snapshot() == before


def test_every_example_file_previews_clean(project, people, portfolio):
    lifecycle_services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=project.charter.version,
        changes={"success_metrics": [{"name": "Monthly churn"}]},
    )
    benefits.benefit_add(actor=people["pm"], project=project, name="Churn reduction")
    for kind in (
        "budgets",
        "cost-entries",
        "allocations",
        "time-entries",
        "status-reports",
        "risks",
        "issues",
        "benefit-measurements",
        "milestones",
    ):
        result = run(kind, people["pm"], project, import_spec(kind).example_csv(), commit=False)
        assert (kind, result.file_error, errors_of(result)) == (kind, "", [])
    capacity = run("capacity", people["pm"], portfolio, import_spec("capacity").example_csv(), commit=False)
    assert errors_of(capacity) == []


def test_each_project_import_leads_back_to_the_page_listing_its_rows(project):
    from metrics.portfolio_inputs.views.sections import SECTIONS

    for section in SECTIONS.values():
        url = import_spec(section.import_kind).scope_url(project)
        assert url == f"/projects/{project.pk}/inputs/{section.slug}/"
