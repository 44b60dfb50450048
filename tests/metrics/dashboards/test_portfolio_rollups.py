"""Portfolio roll-ups add up: a closed or cancelled project counts at its actual cost, cumulative series never
fall, the forecast KPI is the sum its panel describes, the BAC tile's panel describes BAC, and time in phase
counts completed phases only."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from lifecycle.models import PhaseTransition, Project
from metrics.dashboards.portfolio.charts import phase_time_chart
from metrics.dashboards.portfolio.data import portfolio_dashboard_data, portfolio_dashboard_data_from_rollups
from metrics.dashboards.portfolio.kpis import portfolio_kpis
from metrics.formulas import portfolio as formulas
from metrics.formulas.calendar import month_end
from metrics.portfolio_inputs import selectors
from metrics.portfolio_inputs.computers.parts import month_key, monthly_cost_points
from metrics.portfolio_inputs.models import BudgetPeriod, CostEntry, StatusReport
from metrics.snapshots.models import MetricSnapshot
from tests.factories import make_project
from tests.metrics.dashboard_seed import compute_all

pytestmark = pytest.mark.clock

D = datetime.date
NOW = datetime.datetime(2026, 6, 30, 12, tzinfo=datetime.UTC)
TODAY = NOW.date()


# --- cumulative series never decrease ----------------------------------------------------------------------------


def _project_increments(budget, costs, today):
    """What one project's monthly snapshot rows hold: (month, metric, increment over the month before)."""
    rows, previous = [], {"cost_planned": 0.0, "cost_actual": 0.0}
    for month, point in monthly_cost_points(budget, costs, today):
        cumulative = {"cost_planned": point.planned}
        if month <= today:
            cumulative["cost_actual"] = point.actual
        for metric, value in cumulative.items():
            rows.append((month_key(month), metric, value - previous[metric]))
            previous[metric] = value
    return rows


def _budget(first_month: int, amounts: list[int]) -> list[formulas.BudgetPeriod]:
    periods = []
    for offset, amount in enumerate(amounts):
        index = first_month + offset
        start = D(2025 + index // 12, index % 12 + 1, 1)
        periods.append(formulas.BudgetPeriod(start, month_end(start), Decimal(amount)))
    return periods


spreads = st.lists(
    st.tuples(st.integers(0, 30), st.lists(st.integers(0, 5_000), min_size=1, max_size=12)), min_size=1, max_size=6
)


def _non_decreasing(series, metric):
    values = [cell[metric] for cell in series.values() if metric in cell]
    return all(later >= earlier - 1e-6 for earlier, later in zip(values, values[1:], strict=False))


@settings(max_examples=30, deadline=None)
@given(spreads=spreads, split=st.integers(0, 6))
def test_the_portfolio_planned_value_curve_never_decreases(spreads, split):
    projects = [_budget(first, amounts) for first, amounts in spreads]
    increments = [_project_increments(budget, [], TODAY) for budget in projects]
    live = selectors.cumulative_series(row for rows in increments for row in rows)
    assert _non_decreasing(live, "cost_planned")
    # the last month holds every project's whole budget (projects ending earlier carry their total forward)
    assert list(live.values())[-1]["cost_planned"] == pytest.approx(sum(map(formulas.budget_at_completion, projects)))
    # two portfolios' stored series merged give the same never-falling curve
    parts = [
        selectors.cumulative_series(row for rows in increments[:split] for row in rows),
        selectors.cumulative_series(row for rows in increments[split:] for row in rows),
    ]
    merged = selectors.merged_cumulative_series(parts)
    assert _non_decreasing(merged, "cost_planned")
    assert {month: cell["cost_planned"] for month, cell in merged.items()} == pytest.approx(
        {month: cell["cost_planned"] for month, cell in live.items()}
    )


def test_a_trimmed_series_starts_at_its_true_level():
    rows = [("2026-01", "cost_planned", 100.0), ("2026-02", "cost_planned", 50.0), ("2026-04", "cost_planned", 25.0)]
    assert selectors.cumulative_series(rows, start="2026-02") == {
        "2026-02": {"cost_planned": 150.0},
        "2026-04": {"cost_planned": 175.0},
    }


# --- roll-ups over stored snapshots ------------------------------------------------------------------------------


def _dressed(portfolio, people, code, *, reported_on, percent, costs):
    """A project with 1,000 a month budgeted over January to June 2026, ``costs`` and one progress report."""
    project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code=code)
    BudgetPeriod.objects.bulk_create(
        [BudgetPeriod(project=project, period_start=D(2026, month, 1), amount=Decimal(1000)) for month in range(1, 7)]
    )
    for day, amount in costs:
        CostEntry.objects.create(project=project, day=day, amount=Decimal(amount), created_by=people["pm"])
    StatusReport.objects.create(
        project=project, as_of=reported_on, schedule_rag="green", overall_rag="green", derived_rag="green",
        percent_complete=Decimal(percent), author=people["pm"],
    )  # fmt: skip
    return project


def _cancel(project, person, day):
    Project.objects.filter(pk=project.pk).update(state="cancelled", actual_end_date=day)
    PhaseTransition.objects.create(
        project=project, from_phase=project.phase, to_phase=project.phase, from_state="active",
        to_state="cancelled", actor=person, at=datetime.datetime.combine(day, datetime.time(12), datetime.UTC),
    )  # fmt: skip


@pytest.fixture
def portfolio_of_two(portfolio, people):
    """A running project and one cancelled on 15 April after spending 1,500, computed on 30 June 2026."""
    with time_machine.travel(datetime.datetime(2026, 1, 2, 9, tzinfo=datetime.UTC), tick=False):
        running = _dressed(
            portfolio, people, "RUN-1", reported_on=D(2026, 6, 15), percent="0.4",
            costs=[(D(2026, 2, 10), 1000), (D(2026, 5, 10), 1500), (D(2026, 6, 20), 700)],
        )  # fmt: skip
        cancelled = _dressed(
            portfolio, people, "CAN-1", reported_on=D(2026, 3, 31), percent="0.2",
            costs=[(D(2026, 1, 20), 500), (D(2026, 4, 10), 1000)],
        )  # fmt: skip
    _cancel(cancelled, people["exec"], D(2026, 4, 15))
    with time_machine.travel(NOW, tick=False):
        compute_all([running, cancelled])
    return running, cancelled


def _value(project, metric):
    return MetricSnapshot.objects.get(scope_type="project", scope_id=project.pk, metric=metric, period="").value


@pytest.mark.django_db
def test_a_cancelled_project_counts_at_its_actual_cost(portfolio_of_two):
    running, cancelled = portfolio_of_two
    # cancelled: data date = its end, 15 April; AC 1,500; EAC = AC, ETC = 0 (its remaining budget is never spent)
    assert _value(cancelled, "cost_actual") == 1500
    assert _value(cancelled, "eac_typical") == 1500
    assert _value(cancelled, "etc") == 0
    # running: data date 15 June; EV 0.4 x 6,000 = 2,400; AC to 15 June 2,500 (the 20 June 700 comes later)
    assert _value(running, "cost_actual") == 2500
    assert _value(running, "eac_typical") == pytest.approx(6000 / (2400 / 2500))
    totals = selectors.cost_totals(Project.objects.filter(portfolio=running.portfolio))
    assert totals.forecast == pytest.approx(6000 / (2400 / 2500) + 1500)
    assert totals.actual_cost == 4000
    assert (totals.first_data_date, totals.last_data_date) == ("2026-04-15", "2026-06-15")


@pytest.mark.django_db
def test_the_forecast_kpi_is_the_sum_of_the_project_eacs_its_panel_describes(portfolio_of_two):
    running, _cancelled = portfolio_of_two
    projects = Project.objects.filter(portfolio=running.portfolio)
    pairs = [
        (row.detail["bac"], row.value)
        for row in MetricSnapshot.objects.filter(scope_type="project", metric="eac_typical", period="")
    ]
    expected = formulas.portfolio_forecast(pairs)
    for data in (
        portfolio_dashboard_data(projects),
        portfolio_dashboard_data_from_rollups(list(selectors.portfolio_rollups([running.portfolio_id]).values())),
    ):
        kpis = {kpi.id: kpi for kpi in portfolio_kpis(data)}
        assert data.cost.forecast == pytest.approx(expected)
        # 6,000 / 0.96 + 1,500 = 7,750 (not BAC 12,000 / portfolio CPI 0.9 = 13.3k)
        assert kpis["eac"].value == "7.8k EUR"
        assert [spec.key for spec in kpis["eac"].specs] == ["forecast"]
        assert kpis["eac"].specs[0].function is formulas.portfolio_forecast
        assert "sum" in kpis["eac"].specs[0].formula.lower()
        assert [spec.key for spec in kpis["bac"].specs] == ["budget_at_completion"]
        assert kpis["bac"].value == "12.0k EUR"
        assert "data dates 2026-04-15 to 2026-06-15" in kpis["cpi"].hint


@pytest.mark.django_db
def test_time_in_phase_counts_completed_phases_and_shows_open_ones_apart(portfolio_of_two):
    running, cancelled = portfolio_of_two
    projects = Project.objects.filter(portfolio=running.portfolio)
    # both were created on 2 January; CAN-1 was cancelled on 15 April (103.125 days), RUN-1 still runs (179.125)
    data = portfolio_dashboard_data(projects)
    assert data.gates.median_days["charter"] == pytest.approx(103.125)
    assert data.gates.completed["charter"] == 1
    assert data.gates.in_progress["charter"] == selectors.PhaseAges(1, pytest.approx(179.125), pytest.approx(179.125))
    rows = phase_time_chart(data).table.rows
    assert rows == [("charter", 1, pytest.approx(103.125), pytest.approx(103.125), 1, pytest.approx(179.125),
                     pytest.approx(179.125))]  # fmt: skip
    stored = portfolio_dashboard_data_from_rollups(list(selectors.portfolio_rollups([running.portfolio_id]).values()))
    assert phase_time_chart(stored).table.rows == rows
