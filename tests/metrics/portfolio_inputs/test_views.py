"""The project's input pages: hub, one page per input (add inline with htmx), row actions, capacity."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from lifecycle import services as lifecycle_services
from lifecycle.models import AuditRecord, Charter
from metrics.portfolio_inputs.choices import RiskState
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
from metrics.portfolio_inputs.services import benefits, health
from metrics.portfolio_inputs.services import resources as services
from metrics.portfolio_inputs.views.sections import SECTIONS
from tests.metrics.inputs_helpers import everything

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date
MONDAY = D(2026, 3, 2)
HTMX = {"HTTP_HX_REQUEST": "true"}


def section_url(project, slug):
    return reverse("project-input-section", args=[project.pk, slug])


@pytest.fixture
def as_pm(client, people):
    client.force_login(people["pm"])
    return client


def _metric(project, people, name="Churn reduction"):
    lifecycle_services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=project.charter.version,
        changes={"success_metrics": [{"name": name, "unit": "EUR"}]},
    )
    return project.charter.success_metrics.get()


# --- hub ------------------------------------------------------------------------------------------------------


def test_hub_lists_every_input_with_counts_latest_entries_and_import_links(as_pm, project, people):
    services.cost_entry_add(actor=people["pm"], project=project, day="2026-03-02", amount="120", category="labour")
    health.risk_add(actor=people["pm"], project=project, title="Late data", probability="0.5", impact=3)

    response = as_pm.get(reverse("project-inputs", args=[project.pk]))

    assert response.status_code == 200
    cards = {card["section"].slug: card for card in response.context["cards"]}
    assert list(cards) == list(SECTIONS)
    assert (cards["costs"]["count"], cards["costs"]["figure"]) == (1, "Spent 120.00")
    assert cards["costs"]["latest"] == ["2026-03-02: 120.00 Labour"]
    assert (cards["risks"]["count"], cards["risks"]["figure"]) == (1, "1 open")
    html = response.content.decode()
    for section in SECTIONS.values():
        assert reverse("import-csv", args=[section.import_kind, project.pk]) in html
        assert section_url(project, section.slug) in html
    assert reverse("portfolio-capacity", args=[project.portfolio_id]) in html


def test_hub_for_read_only_roles_has_no_import_links_and_outsiders_get_404(client, project, people):
    client.force_login(people["exec"])
    response = client.get(reverse("project-inputs", args=[project.pk]))
    assert response.status_code == 200
    # Every member logs their own time, so only that import is offered.
    assert [card["section"].slug for card in response.context["cards"] if card["can_write"]] == ["time"]
    assert response.content.decode().count('data-testid="import-link"') == 1

    client.force_login(people["outsider"])
    assert client.get(reverse("project-inputs", args=[project.pk])).status_code == 404


def test_hub_query_count_does_not_grow_with_rows(as_pm, project, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert as_pm.get(reverse("project-inputs", args=[project.pk])).status_code == 200
        return len(queries)

    services.cost_entry_add(actor=people["pm"], project=project, day="2026-03-02", amount="1")
    few = count()
    for day in range(3, 20):
        services.cost_entry_add(actor=people["pm"], project=project, day=D(2026, 3, day), amount="1")
        services.time_entry_add(actor=people["pm"], person=people["ds"], project=project, day=D(2026, 3, day), hours=1)
    assert count() == few


# --- section pages --------------------------------------------------------------------------------------------


def _seed_rows(project, people, start, stop):
    pm = people["pm"]
    for day in range(start, stop):
        when = D(2026, 3, day)
        services.cost_entry_add(actor=pm, project=project, day=when, amount="1")
        services.time_entry_add(actor=pm, person=people["ds"], project=project, day=when, hours=1)
        health.risk_add(actor=pm, project=project, title=f"Risk {day}", probability="0.1", impact=1, owner=pm)
        health.issue_open(actor=pm, project=project, title=f"Issue {day}", severity="low", owner=pm)
        health.status_report_submit(actor=pm, project=project, as_of=when, schedule="green")
        benefit = benefits.benefit_add(actor=pm, project=project, name=f"Benefit {day}")
        benefits.benefit_measurement_record(actor=pm, benefit=benefit, period_end=when, planned=1, realized=1)


@pytest.mark.parametrize("slug", ["costs", "time", "risks", "issues", "status", "benefits"])
def test_section_pages_use_the_same_number_of_queries_for_few_and_many_rows(as_pm, project, people, slug):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert as_pm.get(section_url(project, slug)).status_code == 200
        return len(queries)

    _seed_rows(project, people, 2, 4)
    few = count()
    _seed_rows(project, people, 4, 20)
    assert count() == few


@pytest.mark.parametrize("slug", list(SECTIONS))
def test_every_section_page_shows_its_list_and_form_to_managers(as_pm, project, slug):
    response = as_pm.get(section_url(project, slug))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="add-form"' in html
    assert reverse("import-csv", args=[SECTIONS[slug].import_kind, project.pk]) in html


@pytest.mark.parametrize("slug", [slug for slug in SECTIONS if slug != "time"])
def test_read_only_roles_see_the_list_but_no_form(client, project, people, slug):
    client.force_login(people["exec"])
    response = client.get(section_url(project, slug))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="add-form"' not in html and 'data-testid="read-only"' in html
    assert 'data-testid="import-link"' not in html


def test_outsiders_and_unknown_sections_get_404(client, project, people):
    client.force_login(people["outsider"])
    assert client.get(section_url(project, "costs")).status_code == 404
    assert client.post(section_url(project, "costs"), {"day": "2026-03-02", "amount": "1"}).status_code == 404
    client.force_login(people["pm"])
    assert client.get(section_url(project, "nothing")).status_code == 404


ADDS = [
    ("budgets", {"period_start": "2026-03", "amount": "1000"}, BudgetPeriod, "The budget of the month is saved."),
    ("costs", {"day": "2026-03-02", "amount": "50.5", "category": "data", "note": "x"}, CostEntry, None),
    ("allocations", {"person": "ds", "week": "2026-03-02", "hours": "16"}, Allocation, None),
    ("time", {"person": "ds", "day": "2026-03-02", "hours": "6"}, TimeEntry, None),
    (
        "status",
        {"as_of": "2026-03-01", "schedule": "green", "cost": "yellow", "percent_complete": "45"},
        StatusReport,
        None,
    ),
    ("risks", {"title": "Late data", "probability": "0.4", "impact": "4", "owner": "pm"}, Risk, None),
    ("issues", {"title": "Outage", "severity": "high", "opened_on": "2026-03-02"}, Issue, None),
]


def _post_data(data, people):
    return {key: (people[value].pk if key in ("person", "owner") else value) for key, value in data.items()}


@pytest.mark.parametrize(("slug", "data", "model", "message"), ADDS)
def test_add_goes_through_the_service_and_redirects_with_a_message(as_pm, project, people, slug, data, model, message):
    response = as_pm.post(section_url(project, slug), _post_data(data, people), follow=True)

    assert response.redirect_chain == [(section_url(project, slug), 302)]
    assert model.objects.count() == 1
    assert AuditRecord.objects.filter(project=project, target_type=model._meta.label_lower).count() == 1
    if message:
        assert message in response.content.decode()


def test_status_report_form_converts_percent_and_leaves_the_project_rag_to_the_computer(as_pm, project, people):
    as_pm.post(
        section_url(project, "status"),
        {"as_of": "2026-03-01", "schedule": "green", "cost": "red", "percent_complete": "45.5"},
    )

    report = StatusReport.objects.get()
    assert (report.overall_rag, report.percent_complete) == ("red", Decimal("0.4550"))
    project.refresh_from_db()
    assert project.overall_rag == "not_assessed"  # the report is shown beside the computed RAG; it does not set it


def test_htmx_add_answers_the_section_fragment_with_a_fresh_form(as_pm, project):
    response = as_pm.post(
        section_url(project, "costs"), {"day": "2026-03-02", "amount": "10", "category": "other"}, **HTMX
    )

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "metrics/inputs/_section_body.html"
    html = response.content.decode()
    assert "The cost entry is recorded." in html and "2026-03-02" in html
    assert not response.context["form"].is_bound


def test_service_refusal_details_become_field_errors(as_pm, project):
    before = everything()

    response = as_pm.post(section_url(project, "allocations"), {"person": "", "week": "2026-03-03", "hours": "8"})
    assert response.status_code == 400  # form: person required
    response = as_pm.post(
        section_url(project, "status"), {"as_of": "2026-03-01", "schedule": "green", "override": "red"}
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["override_reason"] == ["Say why the overall RAG is overridden."]
    assert form.non_field_errors() == ["The status report is invalid."]
    assert everything() == before


def test_week_not_a_monday_is_refused_by_the_service_on_its_field(as_pm, project, people):
    response = as_pm.post(
        section_url(project, "allocations"), {"person": people["ds"].pk, "week": "2026-03-03", "hours": "8"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["week"] == ["A week is given by its Monday; 2026-03-03 is a Tuesday."]
    assert Allocation.objects.count() == 0


def test_htmx_refusal_is_422_so_the_form_with_errors_is_swapped(as_pm, project):
    response = as_pm.post(section_url(project, "costs"), {"day": "2026-03-02", "amount": "-1"}, **HTMX)

    assert response.status_code == 422
    assert "is-invalid" in response.content.decode()


@pytest.mark.parametrize(("slug", "data", "model", "message"), ADDS)
def test_read_only_roles_posting_anyway_are_refused_and_nothing_changes(
    client, project, people, slug, data, model, message
):
    client.force_login(people["exec"])
    before = everything()

    response = client.post(section_url(project, slug), _post_data(data, people))

    assert everything() == before
    if slug == "time":  # members log time, but only their own: the form refuses another person
        assert response.status_code == 400
        assert response.context["form"].errors["person"]
    else:
        assert response.status_code == 403
        assert response.context["refusal"].startswith("Only the portfolio's program or project managers can")
        assert 'data-testid="refusal"' in response.content.decode()


def test_members_log_only_their_own_time(client, project, people):
    client.force_login(people["ds"])
    page = client.get(section_url(project, "time"))
    assert list(page.context["form"].fields["person"].queryset) == [people["ds"]]

    refused = client.post(section_url(project, "time"), {"person": people["pm"].pk, "day": "2026-03-02", "hours": "2"})
    assert refused.status_code == 400
    assert TimeEntry.objects.count() == 0
    client.post(section_url(project, "time"), {"person": people["ds"].pk, "day": "2026-03-02", "hours": "2"})
    assert list(TimeEntry.objects.values_list("person__username", "hours")) == [("ds", Decimal("2.00"))]


# --- row actions ----------------------------------------------------------------------------------------------


def test_cost_entry_is_corrected_with_a_reason(as_pm, project, people):
    entry = services.cost_entry_add(actor=people["pm"], project=project, day="2026-03-02", amount="100")
    url = reverse("cost-entry-correct", args=[project.pk, entry.pk])
    assert as_pm.get(url).context["form"].initial["amount"] == Decimal("100.00")

    missing_reason = as_pm.post(url, {"day": "2026-03-02", "amount": "90", "category": "other"})
    assert missing_reason.status_code == 400
    response = as_pm.post(url, {"day": "2026-03-02", "amount": "90", "category": "other", "reason": "Invoice"})

    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.amount == Decimal("90.00")
    record = AuditRecord.objects.get(action="cost_entry.update")
    assert (record.before, record.after, record.reason) == ({"amount": "100.00"}, {"amount": "90.00"}, "Invoice")


def test_row_actions_are_404_for_rows_of_another_project(as_pm, project, people, portfolio):
    from tests.factories import make_project

    other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    entry = services.cost_entry_add(actor=people["pm"], project=other, day="2026-03-02", amount="100")

    assert as_pm.get(reverse("cost-entry-correct", args=[project.pk, entry.pk])).status_code == 404


def test_risk_is_reassessed_then_closed(as_pm, project, people):
    risk = health.risk_add(
        actor=people["pm"], project=project, title="Late data", probability="0.5", impact=3, opened_on="2026-03-01"
    )

    as_pm.post(
        reverse("risk-update", args=[project.pk, risk.pk]),
        {"title": "Late data", "probability": "0.2", "impact": "3", "reason": "Vendor found"},
    )
    as_pm.post(reverse("risk-close", args=[project.pk, risk.pk]), {"closed_on": "2026-03-10", "reason": "Arrived"})

    risk.refresh_from_db()
    assert (risk.probability, risk.state, risk.closed_on) == (Decimal("0.20"), RiskState.CLOSED, D(2026, 3, 10))
    again = as_pm.post(reverse("risk-close", args=[project.pk, risk.pk]), {})
    assert again.status_code == 409
    assert "already closed" in again.content.decode()


def test_issue_is_closed_with_a_resolution_and_not_before_it_opened(as_pm, project, people):
    issue = health.issue_open(
        actor=people["pm"], project=project, title="Outage", severity="high", opened_on="2026-03-05"
    )
    url = reverse("issue-close", args=[project.pk, issue.pk])

    early = as_pm.post(url, {"closed_on": "2026-03-01"})
    assert early.status_code == 400
    assert early.context["form"].errors["closed_on"] == [
        "An issue cannot close (2026-03-01) before it opened (2026-03-05)."
    ]
    as_pm.post(url, {"closed_on": "2026-03-06", "resolution": "Failover"})

    issue.refresh_from_db()
    assert (issue.closed_on, issue.resolution) == (D(2026, 3, 6), "Failover")


def test_read_only_roles_cannot_change_rows(client, project, people):
    risk = health.risk_add(actor=people["pm"], project=project, title="Late data", probability="0.5", impact=3)
    client.force_login(people["exec"])
    page = client.get(reverse("risk-close", args=[project.pk, risk.pk]))
    assert 'data-testid="row-form"' not in page.content.decode()
    before = everything()

    response = client.post(reverse("risk-close", args=[project.pk, risk.pk]), {})

    assert response.status_code == 403
    assert everything() == before


# --- benefits and milestones ----------------------------------------------------------------------------------


def test_benefit_is_defined_on_a_success_metric_then_measured(as_pm, project, people):
    metric = _metric(project, people)

    as_pm.post(reverse("project-benefit-add", args=[project.pk]), {"name": "Churn", "success_metric": metric.pk})
    benefit = Benefit.objects.get()
    assert benefit.success_metric == metric
    as_pm.post(
        section_url(project, "benefits"),
        {"benefit": benefit.pk, "period_end": "2026-03-31", "planned": "1000", "realized": "800"},
    )

    assert list(BenefitMeasurement.objects.values_list("planned", "realized")) == [
        (Decimal("1000.00"), Decimal("800.00"))
    ]
    page = as_pm.get(section_url(project, "benefits"))
    assert page.context["benefits"][0].realized_total == Decimal("800.00")


def test_benefit_names_are_unique_per_project(as_pm, project, people):
    benefits.benefit_add(actor=people["pm"], project=project, name="Churn")

    response = as_pm.post(reverse("project-benefit-add", args=[project.pk]), {"name": "Churn"})

    assert response.status_code == 400
    assert response.context["benefit_form"].errors["name"] == ["The project already has a benefit named 'Churn'."]


def test_milestone_goes_through_the_charter_as_a_new_version(as_pm, project, people):
    version = Charter.objects.get(project=project).version

    as_pm.post(
        section_url(project, "milestones"), {"name": "Pilot live", "due_date": "2026-06-30", "base_version": version}
    )
    as_pm.post(
        section_url(project, "milestones"),
        {"name": "Pilot live", "due_date": "2026-06-30", "done": "on", "base_version": version + 1},
    )

    charter = Charter.objects.get(project=project)
    assert charter.version == version + 2
    assert list(charter.milestones.values_list("name", "due_date", "done")) == [("Pilot live", D(2026, 6, 30), True)]
    assert list(charter.versions.values_list("number", flat=True)) == [version + 2, version + 1, version]
    assert AuditRecord.objects.filter(action="charter.update", project=project).count() == 2


def test_milestone_form_on_a_stale_charter_is_refused(as_pm, project, people):
    version = Charter.objects.get(project=project).version
    _metric(project, people)  # someone saves the charter meanwhile
    before = everything()

    response = as_pm.post(section_url(project, "milestones"), {"name": "Pilot", "base_version": version})

    assert response.status_code == 409
    assert "was saved by someone else" in response.content.decode()
    assert everything() == before
    assert not Charter.objects.get(project=project).milestones.exists()


# --- capacity -------------------------------------------------------------------------------------------------


def test_capacity_page_sets_a_week_for_a_member(as_pm, portfolio, people):
    url = reverse("portfolio-capacity", args=[portfolio.pk])
    assert as_pm.get(url).status_code == 200

    response = as_pm.post(
        url, {"person": people["ds"].pk, "week": "2026-03-02", "working_hours": "40", "leave_hours": "8"}, **HTMX
    )

    assert response.status_code == 200
    assert "Capacity of ds for the week of 2026-03-02 is set: 32.00 h." in response.content.decode()
    assert list(Capacity.objects.values_list("person__username", "week")) == [("ds", MONDAY)]


def test_capacity_page_is_read_only_for_executives_and_hidden_from_outsiders(client, portfolio, people):
    url = reverse("portfolio-capacity", args=[portfolio.pk])
    client.force_login(people["exec"])
    assert 'data-testid="add-form"' not in client.get(url).content.decode()
    before = everything()
    response = client.post(url, {"person": people["ds"].pk, "week": "2026-03-02", "working_hours": "40"})
    assert response.status_code == 403
    assert response.context["refusal"].startswith("Only a program or project manager")
    assert everything() == before

    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404
