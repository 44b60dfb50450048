"""Portfolio adapters: data entered through the services comes out as exactly the formula inputs, the formulas give
the hand-computed figures, and each adapter runs the same number of queries for 5 rows as for 50."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import Project
from metrics.formulas import portfolio as formulas
from metrics.formulas import value
from metrics.formulas.bands import Rag
from metrics.portfolio_inputs import adapters
from metrics.portfolio_inputs.services import benefits, health
from metrics.portfolio_inputs.services import resources as services
from tests.factories import make_project

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date


def test_earned_value_inputs_and_summary_hand_computed(project, people):
    pm = people["pm"]
    services.budget_set(actor=pm, project=project, period_start=D(2026, 3, 1), amount=1000)
    services.budget_set(actor=pm, project=project, period_start=D(2026, 4, 1), amount=2000)
    for day, amount in [(D(2026, 3, 10), 900), (D(2026, 4, 10), 1300), (D(2026, 4, 20), 500)]:
        services.cost_entry_add(actor=pm, project=project, day=day, amount=amount)
    health.status_report_submit(
        actor=pm, project=project, as_of=D(2026, 3, 31), schedule="green", percent_complete="0.3"
    )
    health.status_report_submit(
        actor=pm, project=project, as_of=D(2026, 4, 14), schedule="green", percent_complete="0.6"
    )
    # The latest report states no progress: the latest one that does counts.
    health.status_report_submit(actor=pm, project=project, as_of=D(2026, 4, 15), schedule="yellow")

    inputs = adapters.earned_value_inputs(project, D(2026, 4, 15))

    assert inputs.budget == (
        formulas.BudgetPeriod(D(2026, 3, 1), D(2026, 3, 31), Decimal("1000.00")),
        formulas.BudgetPeriod(D(2026, 4, 1), D(2026, 4, 30), Decimal("2000.00")),
    )
    assert inputs.costs == (
        formulas.CostEntry(D(2026, 3, 10), Decimal("900.00")),
        formulas.CostEntry(D(2026, 4, 10), Decimal("1300.00")),
        formulas.CostEntry(D(2026, 4, 20), Decimal("500.00")),
    )
    # Data date: 14 April, the latest report stating progress. BAC 3000; planned to the data date
    # 1000 + 2000 x 14/30 = 1933.33; AC = 900 + 1300 (the 20 April entry is later).
    assert inputs.data_date == D(2026, 4, 14)
    assert inputs.budget_at_completion == 3000.0
    assert inputs.planned_percent_complete == pytest.approx((1000 + 2000 * 14 / 30) / 3000)
    assert (inputs.actual_percent_complete, inputs.actual_cost, inputs.progress_reported) == (0.6, 2200.0, True)
    assert (inputs.planned_cost_today, inputs.actual_cost_today) == (pytest.approx(2000), 2200.0)  # projection

    ev = inputs.summary()
    assert ev.planned_value == pytest.approx(1000 + 2000 * 14 / 30)
    assert ev.earned_value == pytest.approx(1800)
    assert ev.cost_variance == pytest.approx(-400)
    assert ev.schedule_variance == pytest.approx(1800 - (1000 + 2000 * 14 / 30))
    assert ev.spi == pytest.approx(1800 / (1000 + 2000 * 14 / 30))
    assert ev.cpi == pytest.approx(1800 / 2200)
    assert ev.eac_typical == pytest.approx(3000 * 2200 / 1800)
    assert ev.eac_atypical == pytest.approx(3400)
    assert ev.tcpi == pytest.approx(1.5)
    assert formulas.cost_health(ev.earned_value, ev.actual_cost) == Rag.RED  # CPI 0.82


def test_earned_value_inputs_without_any_data(project):
    inputs = adapters.earned_value_inputs(project, D(2026, 4, 15))
    assert inputs == adapters.EarnedValueInputs(
        as_of=D(2026, 4, 15),
        data_date=D(2026, 4, 15),  # no progress reported: nothing earned as of the computation day
        budget=(),
        costs=(),
        budget_at_completion=0.0,
        planned_percent_complete=0.0,
        actual_percent_complete=0.0,
        actual_cost=0.0,
        progress_reported=False,
    )
    assert inputs.summary().spi is None


def test_risk_register_and_issue_log_hand_computed(project, people):
    pm = people["pm"]
    health.risk_add(actor=pm, project=project, title="a", probability="0.5", impact=4, opened_on=D(2026, 3, 1))
    health.risk_add(actor=pm, project=project, title="b", probability="0.2", impact=5, opened_on=D(2026, 3, 2))
    closed = health.risk_add(actor=pm, project=project, title="c", probability="0.9", impact=5, opened_on=D(2026, 3, 3))
    health.risk_close(actor=pm, risk=closed, closed_on=D(2026, 3, 4))
    risks = adapters.risk_register(project)
    assert risks == [
        formulas.Risk(Decimal("0.50"), 4, True),
        formulas.Risk(Decimal("0.20"), 5, True),
        formulas.Risk(Decimal("0.90"), 5, False),
    ]
    assert formulas.risk_exposure(risks) == pytest.approx(3.0)  # 0.5 x 4 + 0.2 x 5
    assert formulas.risk_health(risks) == Rag.YELLOW

    high = health.issue_open(actor=pm, project=project, title="h", severity="high", opened_on=D(2026, 3, 3))
    health.issue_open(actor=pm, project=project, title="c", severity="critical", opened_on=D(2026, 3, 4))
    health.issue_open(actor=pm, project=project, title="l", severity="low", opened_on=D(2026, 3, 4))
    health.issue_close(actor=pm, issue=high, closed_on=D(2026, 3, 5))
    issues = adapters.issue_log(project)
    assert issues == [
        formulas.Issue("high", D(2026, 3, 3), D(2026, 3, 5)),
        formulas.Issue("critical", D(2026, 3, 4), None),
        formulas.Issue("low", D(2026, 3, 4), None),
    ]
    series = formulas.issue_daily_series(issues, D(2026, 3, 3), D(2026, 3, 5))
    assert [(d.opened, d.closed, d.open_at_end, d.weighted_open) for d in series] == [
        (1, 0, 1, 4.0),
        (2, 0, 3, 13.0),
        (0, 1, 2, 9.0),
    ]
    assert formulas.issue_health(issues, D(2026, 3, 5)) == Rag.RED


def test_benefit_periods_hand_computed(project, people):
    pm = people["pm"]
    losses = benefits.benefit_add(actor=pm, project=project, name="Losses avoided")
    empty = benefits.benefit_add(actor=pm, project=project, name="Hours saved")
    benefits.benefit_measurement_record(
        actor=pm, benefit=losses, period_end=D(2026, 4, 30), planned=1000, realized=None
    )
    benefits.benefit_measurement_record(actor=pm, benefit=losses, period_end=D(2026, 3, 31), planned=1000, realized=800)
    periods = adapters.benefit_periods(project)
    assert periods == {
        losses.pk: [
            value.BenefitPeriod(D(2026, 3, 31), Decimal("1000.00"), Decimal("800.00")),
            value.BenefitPeriod(D(2026, 4, 30), Decimal("1000.00"), None),
        ],
        empty.pk: [],
    }
    assert value.benefit_realization(periods[losses.pk], D(2026, 4, 30)) == 0.4
    assert value.benefit_realization(periods[empty.pk], D(2026, 4, 30)) is None
    assert value.benefit_realization_rollup(periods.values(), D(2026, 3, 31)) == 0.8


def test_current_status_is_the_latest_report(project, people):
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    health.status_report_submit(actor=people["pm"], project=project, as_of=D(2026, 3, 31), cost="green")
    latest = health.status_report_submit(actor=people["pm"], project=project, as_of=D(2026, 3, 31), cost="red")
    current = adapters.current_status_for(Project.objects.all())
    assert current == {project.pk: latest, other.pk: None}
    assert formulas.status_count(report.overall_rag if report else None for report in current.values()) == {
        "green": 0,
        "yellow": 0,
        "red": 1,
        "not_assessed": 1,
    }


def test_utilization_inputs_hand_computed(project, people):
    pm, ds = people["pm"], people["ds"]
    other = make_project(portfolio=project.portfolio, owner=pm, sponsor=people["exec"], code="AML-002")
    week, next_week = D(2026, 3, 2), D(2026, 3, 9)
    services.capacity_set(actor=pm, person=ds, week=week, working_hours=40, leave_hours=8)
    services.allocation_set(actor=pm, person=ds, project=project, week=week, hours=20)
    services.allocation_set(actor=pm, person=ds, project=other, week=week, hours=12)
    services.allocation_set(actor=pm, person=ds, project=project, week=next_week, hours=10)
    for day in (D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4)):
        services.time_entry_add(actor=ds, person=ds, project=project, day=day, hours=8)

    # As of Tuesday: 16 h logged, 3 of 5 working days still ahead.
    rows = adapters.utilization_inputs(first_week=week, last_week=next_week, as_of=D(2026, 3, 3))
    assert rows == [
        adapters.UtilizationInputs(
            ds.pk, week, Decimal("40.00"), Decimal("8.00"), Decimal("32.00"), Decimal("16.00"), Decimal("19.2")
        ),
        adapters.UtilizationInputs(ds.pk, next_week, Decimal(0), Decimal(0), Decimal("10.00"), Decimal(0), Decimal(10)),
    ]
    this_week = rows[0].compute()
    assert (this_week.capacity, this_week.planned, this_week.actual) == (32.0, 1.0, 0.5)
    assert this_week.forecast == pytest.approx(1.1)  # (16 + 19.2) / 32
    assert this_week.over_capacity is True
    assert rows[1].compute().planned is None  # no capacity recorded
    assert adapters.utilization_inputs(first_week=week, last_week=week, as_of=D(2026, 3, 3), person_ids=[pm.pk]) == []


@pytest.mark.parametrize("rows", [5, 50])
def test_adapters_run_a_constant_number_of_queries(project, people, rows):
    pm, ds = people["pm"], people["ds"]
    other = make_project(portfolio=project.portfolio, owner=pm, sponsor=people["exec"], code="AML-002")
    for i in range(rows):
        target = project if i % 2 else other
        month = D(2026 + i // 12, i % 12 + 1, 1)
        services.budget_set(actor=pm, project=target, period_start=month, amount=100)
        services.cost_entry_add(actor=pm, project=target, day=month, amount=10)
        health.risk_add(actor=pm, project=target, title=f"r{i}", probability="0.1", impact=2, opened_on=month)
        health.issue_open(actor=pm, project=target, title=f"i{i}", severity="low", opened_on=month)
        benefit = benefits.benefit_add(actor=pm, project=target, name=f"b{i}")
        benefits.benefit_measurement_record(actor=pm, benefit=benefit, period_end=month, planned=5, realized=4)
        monday = D(2026, 1, 5) + datetime.timedelta(weeks=i)
        services.capacity_set(actor=pm, person=ds, week=monday, working_hours=40)
        services.allocation_set(actor=pm, person=ds, project=target, week=monday, hours=8)
        services.time_entry_add(actor=ds, person=ds, project=target, day=monday, hours=8)
    health.status_report_submit(actor=pm, project=project, as_of=D(2026, 3, 31), cost="green", percent_complete=0.5)
    ids = [project.pk, other.pk]
    weeks = {"first_week": D(2026, 1, 5), "last_week": D(2027, 12, 27), "as_of": D(2026, 6, 30)}
    expected = [
        (lambda: adapters.earned_value_inputs_for(ids, D(2026, 6, 30)), 3),
        (lambda: adapters.risk_registers_for(ids), 1),
        (lambda: adapters.issue_logs_for(ids), 1),
        (lambda: adapters.benefit_periods_for(ids), 1),
        (lambda: adapters.current_status_for(ids), 1),
        (lambda: adapters.utilization_inputs(**weeks), 3),
    ]
    for call, queries_expected in expected:
        with CaptureQueriesContext(connection) as queries:
            result = call()
        assert len(queries) == queries_expected
        assert result
    assert sum(len(v) for v in adapters.risk_registers_for(ids).values()) == rows
    assert (
        len(adapters.utilization_inputs(first_week=D(2026, 1, 5), last_week=D(2027, 12, 27), as_of=D(2026, 6, 30)))
        == rows
    )


@pytest.mark.parametrize("count", [5, 50])
def test_adapters_for_many_projects_run_the_same_queries_for_5_and_50_projects(portfolio, people, count):
    pm = people["pm"]
    projects = [
        make_project(portfolio=portfolio, owner=pm, sponsor=people["exec"], code=f"QB-{i:03d}") for i in range(count)
    ]
    for project in projects:
        services.budget_set(actor=pm, project=project, period_start=D(2026, 3, 1), amount=100)
        services.cost_entry_add(actor=pm, project=project, day=D(2026, 3, 2), amount=10)
        health.risk_add(actor=pm, project=project, title="r", probability="0.1", impact=2, opened_on=D(2026, 3, 2))
        health.issue_open(actor=pm, project=project, title="i", severity="low", opened_on=D(2026, 3, 2))
        health.status_report_submit(actor=pm, project=project, as_of=D(2026, 3, 31), cost="green")
    queryset = Project.objects.filter(portfolio=portfolio)
    expected = [
        (lambda: adapters.earned_value_inputs_for(queryset, D(2026, 3, 31)), 4),  # + 1 to list the queryset's ids
        (lambda: adapters.risk_registers_for(queryset), 2),
        (lambda: adapters.issue_logs_for(queryset), 2),
        (lambda: adapters.benefit_periods_for(queryset), 2),
        (lambda: adapters.current_status_for(queryset), 2),
    ]
    for call, queries_expected in expected:
        with CaptureQueriesContext(connection) as queries:
            result = call()
        assert len(queries) == queries_expected
        assert len(result) == count
    ev = adapters.earned_value_inputs_for(queryset, D(2026, 3, 31))
    assert {inputs.actual_cost for inputs in ev.values()} == {10.0}
