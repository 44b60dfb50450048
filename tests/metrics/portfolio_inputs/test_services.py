"""Portfolio input services: who may write, what is refused (changing nothing), and what is recorded."""

import datetime
from decimal import Decimal

import pytest

from lifecycle import services as lifecycle_services
from lifecycle.models import AuditRecord, Project
from metrics.portfolio_inputs.choices import CostCategory, RiskState
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
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.factories import make_project
from tests.metrics.inputs_helpers import audit_actions, refused

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date
MONDAY = D(2026, 3, 2)


# --- budget and costs -----------------------------------------------------------------------------------------


def test_budget_set_creates_then_updates_the_month_with_one_audit_record_each(project, people):
    row = services.budget_set(actor=people["pm"], project=project, period_start=D(2026, 3, 1), amount="1000")
    again = services.budget_set(actor=people["pm"], project=project, period_start="2026-03-01", amount=Decimal("1500"))
    same = services.budget_set(actor=people["pm"], project=project, period_start=D(2026, 3, 1), amount=1500)

    assert row.pk == again.pk == same.pk
    assert list(BudgetPeriod.objects.values_list("period_start", "amount")) == [(D(2026, 3, 1), Decimal("1500.00"))]
    records = list(AuditRecord.objects.filter(action="budget.set").order_by("id"))
    assert [(r.before, r.after) for r in records] == [
        (None, {"period_start": "2026-03-01", "amount": "1000.00"}),
        ({"period_start": "2026-03-01", "amount": "1000.00"}, {"period_start": "2026-03-01", "amount": "1500.00"}),
    ]
    assert records[0].actor == people["pm"]
    assert records[0].project == project


@pytest.mark.parametrize("who", ["exec", "ds", "product", "outsider"])
def test_budget_set_is_for_managers_only(project, people, who):
    with refused(NotAllowed):
        services.budget_set(actor=people[who], project=project, period_start=D(2026, 3, 1), amount=10)


@pytest.mark.parametrize(
    ("period_start", "amount", "errors"),
    [
        (
            D(2026, 3, 2),
            10,
            {"period_start": "A budget period is a calendar month: give its first day, not 2026-03-02."},
        ),
        (D(2026, 3, 1), -1, {"amount": "Must be at least 0."}),
        (D(2026, 3, 1), "abc", {"amount": "Not a number: 'abc'."}),
        (D(2026, 3, 1), "1.005", {"amount": "At most 2 decimal places."}),
        (D(2026, 3, 1), "NaN", {"amount": "Must be a finite number."}),
        ("March", None, {"period_start": "Not a date (YYYY-MM-DD): 'March'.", "amount": "Required: a number."}),
    ],
)
def test_budget_set_refuses_bad_values_with_every_message(project, people, period_start, amount, errors):
    with refused(ValidationFailed) as caught:
        services.budget_set(actor=people["pm"], project=project, period_start=period_start, amount=amount)
    assert caught.value.message == "The budget period is invalid."
    assert caught.value.details == errors


def test_cost_entry_add_and_correct(project, people):
    entry = services.cost_entry_add(
        actor=people["pm"], project=project, day=D(2026, 3, 5), amount="250.50", category="labour", note=" GPUs "
    )
    assert (entry.day, entry.amount, entry.category, entry.note) == (
        D(2026, 3, 5),
        Decimal("250.50"),
        CostCategory.LABOUR,
        "GPUs",
    )
    services.cost_entry_update(actor=people["pm"], entry=entry, changes={"amount": "200"}, reason="Invoice credit")
    entry.refresh_from_db()
    assert entry.amount == Decimal("200.00")
    record = AuditRecord.objects.get(action="cost_entry.update")
    assert (record.before, record.after, record.reason) == (
        {"amount": "250.50"},
        {"amount": "200.00"},
        "Invoice credit",
    )
    assert audit_actions(project)[-2:] == ["cost_entry.add", "cost_entry.update"]


def test_cost_entry_refusals_change_nothing(project, people):
    entry = services.cost_entry_add(actor=people["pm"], project=project, day=D(2026, 3, 5), amount=10)
    with refused(NotAllowed):
        services.cost_entry_add(actor=people["ds"], project=project, day=D(2026, 3, 5), amount=10)
    with refused(ValidationFailed) as caught:
        services.cost_entry_add(actor=people["pm"], project=project, day=None, amount=-5, category="beer")
    assert caught.value.details == {
        "day": "Required: a date.",
        "amount": "Must be at least 0.",
        "category": "One of labour, infrastructure, licences, data, services, other.",
    }
    with refused(ValidationFailed) as caught:
        services.cost_entry_update(actor=people["pm"], entry=entry, changes={"amount": 5}, reason=" ")
    assert caught.value.details == {"reason": "Say why the cost entry is corrected."}
    with refused(ValidationFailed):
        services.cost_entry_update(actor=people["pm"], entry=entry, changes={"project": 1}, reason="x")
    with refused(NotAllowed):
        services.cost_entry_update(actor=people["exec"], entry=entry, changes={"amount": 5}, reason="x")


# --- capacity, allocations, time ------------------------------------------------------------------------------


def test_capacity_set_upserts_per_person_and_week(project, people):
    services.capacity_set(actor=people["pm"], person=people["ds"], week=MONDAY, working_hours=40, leave_hours=8)
    services.capacity_set(actor=people["pm"], person=people["ds"], week=MONDAY, working_hours=40, leave_hours=16)
    row = Capacity.objects.get()
    assert (row.person, row.week, row.working_hours, row.leave_hours, row.capacity_hours) == (
        people["ds"],
        MONDAY,
        Decimal("40.00"),
        Decimal("16.00"),
        Decimal("24.00"),
    )
    assert audit_actions() == ["project.create", "capacity.set", "capacity.set"]
    assert AuditRecord.objects.filter(action="capacity.set", project=None).count() == 2


def test_capacity_set_refusals(project, people):
    # A manager of another portfolio does not plan this person's time; nor does the person.
    for who in ("outsider", "ds", "exec"):
        with refused(NotAllowed):
            services.capacity_set(actor=people[who], person=people["ds"], week=MONDAY, working_hours=40)
    with refused(ValidationFailed) as caught:
        services.capacity_set(
            actor=people["pm"], person=people["ds"], week=D(2026, 3, 3), working_hours=40, leave_hours=41
        )
    assert caught.value.details == {
        "week": "A week is given by its Monday; 2026-03-03 is a Tuesday.",
        "leave_hours": "Leave (41.00 h) cannot exceed the working hours (40.00 h).",
    }
    with refused(ValidationFailed) as caught:
        services.capacity_set(actor=people["pm"], person=people["ds"], week=MONDAY, working_hours=200)
    assert caught.value.details == {"working_hours": "Must be at most 168."}


def test_allocation_set_and_refusals(project, people):
    row = services.allocation_set(actor=people["pm"], person=people["ds"], project=project, week=MONDAY, hours=20)
    services.allocation_set(actor=people["pm"], person=people["ds"], project=project, week=MONDAY, hours="12.5")
    assert list(Allocation.objects.values_list("pk", "hours")) == [(row.pk, Decimal("12.50"))]
    with refused(NotAllowed):
        services.allocation_set(actor=people["ds"], person=people["ds"], project=project, week=MONDAY, hours=1)
    with refused(ValidationFailed) as caught:
        services.allocation_set(actor=people["pm"], person=people["outsider"], project=project, week=MONDAY, hours=1)
    assert caught.value.details == {"person": "outsider is not a member of this portfolio."}


def test_time_entry_own_time_or_by_a_manager(project, people):
    own = services.time_entry_add(actor=people["ds"], person=people["ds"], project=project, day=D(2026, 3, 3), hours=6)
    logged = services.time_entry_add(
        actor=people["pm"], person=people["ds"], project=project, day=D(2026, 3, 3), hours="2.5", note="review"
    )
    assert list(TimeEntry.objects.values_list("person__username", "hours", "created_by__username")) == [
        ("ds", Decimal("6.00"), "ds"),
        ("ds", Decimal("2.50"), "pm"),
    ]
    assert (own.project, logged.note) == (project, "review")


def test_time_entry_refusals(project, people):
    services.time_entry_add(actor=people["ds"], person=people["ds"], project=project, day=D(2026, 3, 3), hours=20)
    with refused(NotAllowed):
        services.time_entry_add(
            actor=people["ds"], person=people["architect"], project=project, day=D(2026, 3, 3), hours=1
        )
    with refused(NotAllowed):
        services.time_entry_add(
            actor=people["outsider"], person=people["outsider"], project=project, day=D(2026, 3, 3), hours=1
        )
    with refused(ValidationFailed) as caught:
        services.time_entry_add(actor=people["ds"], person=people["ds"], project=project, day=D(2026, 3, 3), hours=5)
    assert caught.value.details == {"hours": "ds already has 20.00 h on 2026-03-03; a day has 24 h."}
    with refused(ValidationFailed) as caught:
        services.time_entry_add(actor=people["ds"], person=people["ds"], project=project, day=D(2026, 3, 4), hours=0)
    assert caught.value.details == {"hours": "Must be more than 0."}


# --- status reports -------------------------------------------------------------------------------------------


def test_status_report_overall_is_the_worst_dimension_and_leaves_the_project_rag_to_the_computer(project, people):
    report = health.status_report_submit(
        actor=people["pm"],
        project=project,
        as_of=D(2026, 3, 31),
        schedule="green",
        cost="yellow",
        risk="red",
        issues="green",
        percent_complete="0.25",
        summary="On track mostly",
    )
    project.refresh_from_db()
    assert (report.derived_rag, report.overall_rag, report.is_overridden) == ("red", "red", False)
    assert report.percent_complete == Decimal("0.2500")
    assert project.overall_rag == "not_assessed"  # unchanged: the recompute requested here sets it from the inputs
    record = AuditRecord.objects.get(action="status_report.submit")
    assert record.before is None
    assert record.after["overall_rag"] == "red"


def test_status_report_override_needs_a_reason_and_history_is_kept(project, people):
    first = health.status_report_submit(
        actor=people["pm"], project=project, as_of=D(2026, 3, 31), schedule="green", cost="green"
    )
    second = health.status_report_submit(
        actor=people["pm"],
        project=project,
        as_of=D(2026, 4, 30),
        schedule="red",
        cost="green",
        risk="green",
        issues="green",
        override="yellow",
        override_reason=" Recovery plan agreed with the sponsor ",
    )
    project.refresh_from_db()
    assert (second.derived_rag, second.overall_rag, second.override_reason) == (
        "red",
        "yellow",
        "Recovery plan agreed with the sponsor",
    )
    assert project.overall_rag == "not_assessed"  # the PM's own overall is the reported RAG, not the project's
    assert list(StatusReport.objects.filter(project=project).values_list("pk", "overall_rag")) == [
        (second.pk, "yellow"),
        (first.pk, "green"),
    ]
    assert AuditRecord.objects.filter(action="status_report.submit").order_by("id").last().reason == (
        "Recovery plan agreed with the sponsor"
    )


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"schedule": "red", "override": "green"}, {"override_reason": "Say why the overall RAG is overridden."}),
        ({"schedule": "red", "override_reason": "why"},
         {"override_reason": "A reason is given only with an override."}),
        ({}, {"schedule": "Assess at least one dimension (schedule, cost, risk, issues) or override."}),
        ({"schedule": "purple"}, {"schedule": "One of green, yellow, red, not_assessed."}),
        ({"schedule": "not_assessed"}, {"schedule": "One of green, yellow, red (blank: not assessed)."}),
        ({"schedule": "red", "percent_complete": "1.5"}, {"percent_complete": "Must be at most 1."}),
        ({"schedule": "red", "as_of": D(2026, 3, 30)},
         {"as_of": "The latest report is as of 2026-03-31; a new one cannot be dated earlier."}),
        ({"schedule": "red", "as_of": D(2999, 1, 1)}, {"as_of": "A status report cannot be dated in the future."}),
    ],
)  # fmt: skip
def test_status_report_refusals_leave_the_project_rag_alone(project, people, kwargs, errors):
    health.status_report_submit(actor=people["pm"], project=project, as_of=D(2026, 3, 31), cost="green")
    with refused(ValidationFailed) as caught:
        health.status_report_submit(actor=people["pm"], project=project, **{"as_of": D(2026, 4, 30), **kwargs})
    assert caught.value.details == errors
    assert Project.objects.get(pk=project.pk).overall_rag == "not_assessed"


@pytest.mark.parametrize("who", ["exec", "ds", "product", "outsider"])
def test_status_report_is_for_managers(project, people, who):
    with refused(NotAllowed):
        health.status_report_submit(actor=people[who], project=project, as_of=D(2026, 3, 31), schedule="red")


# --- risks and issues -----------------------------------------------------------------------------------------


def test_risk_lifecycle(project, people):
    risk = health.risk_add(
        actor=people["pm"],
        project=project,
        title=" Label drift ",
        probability="0.4",
        impact=4,
        owner=people["ds"],
        opened_on=D(2026, 3, 2),
    )
    assert (risk.title, risk.probability, risk.impact, risk.state) == ("Label drift", Decimal("0.40"), 4, "open")
    health.risk_update(actor=people["pm"], risk=risk, changes={"probability": "0.6"}, reason="New data")
    health.risk_close(actor=people["pm"], risk=risk, closed_on=D(2026, 4, 1), reason="Mitigated")
    risk.refresh_from_db()
    assert (risk.probability, risk.state, risk.closed_on) == (Decimal("0.60"), RiskState.CLOSED, D(2026, 4, 1))
    update = AuditRecord.objects.get(action="risk.update")
    assert (update.before, update.after, update.reason) == (
        {"probability": "0.40"},
        {"probability": "0.60"},
        "New data",
    )
    assert audit_actions(project)[-3:] == ["risk.add", "risk.update", "risk.close"]


def test_risk_refusals(project, people):
    risk = health.risk_add(
        actor=people["pm"], project=project, title="Drift", probability=0.5, impact=3, opened_on=D(2026, 3, 2)
    )
    with refused(NotAllowed):
        health.risk_add(actor=people["ds"], project=project, title="X", probability=0.5, impact=3)
    with refused(ValidationFailed) as caught:
        health.risk_add(
            actor=people["pm"], project=project, title="", probability="1.2", impact=6, owner=people["outsider"]
        )
    assert caught.value.details == {
        "owner": "outsider is not a member of this portfolio.",
        "title": "Required.",
        "probability": "Must be at most 1.",
        "impact": "A whole number from 1 to 5.",
    }
    with refused(ValidationFailed):
        health.risk_update(actor=people["pm"], risk=risk, changes={"state": "closed"})
    with refused(ValidationFailed) as caught:
        health.risk_update(actor=people["pm"], risk=risk, changes={"impact": 0})
    assert caught.value.details == {"impact": "A whole number from 1 to 5."}
    with refused(NotAllowed):
        health.risk_close(actor=people["exec"], risk=risk)
    with refused(ValidationFailed) as caught:
        health.risk_close(actor=people["pm"], risk=risk, closed_on=D(2026, 3, 1))
    assert caught.value.details == {"closed_on": "A risk cannot close (2026-03-01) before it opened (2026-03-02)."}
    health.risk_close(actor=people["pm"], risk=risk, closed_on=D(2026, 3, 9))
    with refused(TransitionNotAllowed):
        health.risk_close(actor=people["pm"], risk=risk)


def test_issue_open_and_close(project, people):
    issue = health.issue_open(
        actor=people["pm"], project=project, title="Feature store down", severity="high", opened_on=D(2026, 3, 3)
    )
    health.issue_close(actor=people["pm"], issue=issue, closed_on=D(2026, 3, 5), resolution="Restarted")
    issue.refresh_from_db()
    assert (issue.severity, issue.opened_on, issue.closed_on, issue.resolution, issue.is_open) == (
        "high",
        D(2026, 3, 3),
        D(2026, 3, 5),
        "Restarted",
        False,
    )
    assert audit_actions(project)[-2:] == ["issue.open", "issue.close"]
    with refused(TransitionNotAllowed):
        health.issue_close(actor=people["pm"], issue=issue)


def test_issue_refusals(project, people):
    issue = health.issue_open(
        actor=people["pm"], project=project, title="Slow", severity="low", opened_on=D(2026, 3, 3)
    )
    with refused(NotAllowed):
        health.issue_open(actor=people["ds"], project=project, title="X", severity="low")
    with refused(ValidationFailed) as caught:
        health.issue_open(actor=people["pm"], project=project, title="X", severity="blocker")
    assert caught.value.details == {"severity": "One of low, medium, high, critical."}
    with refused(NotAllowed):
        health.issue_close(actor=people["product"], issue=issue)
    with refused(ValidationFailed) as caught:
        health.issue_close(actor=people["pm"], issue=issue, closed_on=D(2026, 3, 2))
    assert caught.value.details == {"closed_on": "An issue cannot close (2026-03-02) before it opened (2026-03-03)."}
    assert Issue.objects.get().closed_on is None


# --- benefits -------------------------------------------------------------------------------------------------


def _metric(project, people, name="Fraud loss avoided"):
    lifecycle_services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=project.charter.version,
        changes={"success_metrics": [{"name": name, "unit": "EUR"}]},
    )
    return project.charter.success_metrics.get()


def test_benefit_tied_to_a_success_metric_and_measured(project, people):
    metric = _metric(project, people)
    benefit = benefits.benefit_add(actor=people["pm"], project=project, name="Losses avoided", success_metric=metric.pk)
    assert (benefit.success_metric, benefit.name) == (metric, "Losses avoided")
    row = benefits.benefit_measurement_record(
        actor=people["pm"], benefit=benefit, period_end=D(2026, 3, 31), planned=1000
    )
    benefits.benefit_measurement_record(
        actor=people["pm"], benefit=benefit, period_end=D(2026, 3, 31), planned=1000, realized="800"
    )
    assert list(BenefitMeasurement.objects.values_list("pk", "planned", "realized")) == [
        (row.pk, Decimal("1000.00"), Decimal("800.00"))
    ]
    assert audit_actions(project)[-3:] == ["benefit.add", "benefit_measurement.record", "benefit_measurement.record"]


def test_benefit_refusals(project, people):
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    foreign_metric = _metric(other, people)
    benefit = benefits.benefit_add(actor=people["pm"], project=project, name="Losses avoided")
    with refused(ValidationFailed) as caught:
        benefits.benefit_add(actor=people["pm"], project=project, name="X", success_metric=foreign_metric)
    assert caught.value.details == {
        "success_metric": f"Unknown success metric {foreign_metric.pk} for this project's charter."
    }
    with refused(ValidationFailed) as caught:
        benefits.benefit_add(actor=people["pm"], project=project, name="Losses avoided", success_metric=999999)
    assert caught.value.details == {
        "success_metric": "Unknown success metric 999999 for this project's charter.",
        "name": "The project already has a benefit named 'Losses avoided'.",
    }
    with refused(NotAllowed):
        benefits.benefit_add(actor=people["exec"], project=project, name="Y")
    with refused(NotAllowed):
        benefits.benefit_measurement_record(actor=people["ds"], benefit=benefit, period_end=D(2026, 3, 31), planned=1)
    with refused(ValidationFailed) as caught:
        benefits.benefit_measurement_record(
            actor=people["pm"], benefit=benefit, period_end=D(2026, 3, 31), planned=-1, realized="x"
        )
    assert caught.value.details == {"planned": "Must be at least 0.", "realized": "Not a number: 'x'."}
    assert Benefit.objects.count() == 1


def test_models_refuse_out_of_range_rows_even_without_the_services(project, people):
    """The CheckConstraints hold the same ranges as the services, for any writer that bypasses them."""
    from django.db import IntegrityError, transaction

    bad_rows = [
        lambda: BudgetPeriod.objects.create(project=project, period_start=D(2026, 3, 2), amount=1),
        lambda: CostEntry.objects.create(project=project, day=D(2026, 3, 2), amount=-1, created_by=people["pm"]),
        lambda: Capacity.objects.create(person=people["ds"], week=MONDAY, working_hours=10, leave_hours=11),
        lambda: Risk.objects.create(project=project, title="r", probability=Decimal("0.5"), impact=6, opened_on=MONDAY),
        lambda: Risk.objects.create(
            project=project, title="r", probability=Decimal("0.5"), impact=3, opened_on=MONDAY, state="closed"
        ),
        lambda: Issue.objects.create(
            project=project, title="i", severity="low", opened_on=MONDAY, closed_on=D(2026, 3, 1)
        ),
        lambda: StatusReport.objects.create(
            project=project, as_of=MONDAY, override_rag="red", overall_rag="red", author=people["pm"]
        ),
    ]
    for index, create in enumerate(bad_rows):
        with pytest.raises(IntegrityError), transaction.atomic():
            create()
            pytest.fail(f"bad row {index} was stored")


def test_a_concurrent_insert_of_the_same_natural_key_becomes_an_update_or_a_clean_refusal(project, people):
    """The race itself cannot be staged in one connection; hiding the existing row from the first read makes our
    insert collide with it exactly as a concurrent writer's row would."""
    from unittest import mock

    from django.db.models.query import QuerySet

    from metrics.input_rules import create_unique, lock_or_create

    existing = services.budget_set(actor=people["pm"], project=project, period_start=D(2026, 3, 1), amount=100)
    with mock.patch.object(QuerySet, "first", return_value=None):
        row, created = lock_or_create(
            BudgetPeriod, {"project": project, "period_start": D(2026, 3, 1)}, {"amount": Decimal(5)}
        )
    assert (row.pk, row.amount, created) == (existing.pk, Decimal("100.00"), False)

    benefits.benefit_add(actor=people["pm"], project=project, name="Losses avoided")
    with pytest.raises(ValidationFailed) as caught:
        create_unique(Benefit, "name", "Taken.", project=project, name="Losses avoided")
    assert caught.value.details == {"name": "Taken."}
    assert Benefit.objects.count() == 1  # and the transaction is still usable
