"""Portfolio formulas (portfolio, resources, value) on hand-computed examples and edge cases."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.formulas import portfolio as pf
from metrics.formulas import resources as rs
from metrics.formulas import value as vl
from metrics.formulas.bands import IndexBands, LoadBands, Rag, worst_rag

# --- overall RAG and counts -----------------------------------------------------------------------------------


def test_overall_rag_is_the_worst_of_four():
    result = pf.overall_rag(Rag.GREEN, Rag.YELLOW, Rag.GREEN, Rag.GREEN)
    assert result == pf.OverallRag(derived=Rag.YELLOW, value=Rag.YELLOW, overridden=False, reason="")
    assert pf.overall_rag(Rag.GREEN, Rag.YELLOW, Rag.RED, Rag.GREEN).value == Rag.RED


def test_overall_rag_ignores_unassessed_dimensions_and_is_none_when_nothing_is_known():
    assert pf.overall_rag(None, Rag.GREEN, None, None).value == Rag.GREEN
    assert pf.overall_rag(None, None, None, None).value is None


def test_manager_override_wins_and_keeps_the_derived_value():
    result = pf.overall_rag(Rag.RED, Rag.GREEN, Rag.GREEN, Rag.GREEN, override=Rag.YELLOW, override_reason=" fixed ")
    assert result == pf.OverallRag(derived=Rag.RED, value=Rag.YELLOW, overridden=True, reason="fixed")


def test_override_without_reason_is_refused():
    with pytest.raises(ValueError):
        pf.overall_rag(Rag.RED, Rag.GREEN, Rag.GREEN, Rag.GREEN, override=Rag.GREEN, override_reason="  ")


def test_status_count_lists_every_key():
    assert pf.status_count(["green", Rag.RED, None, "green"]) == {"green": 2, "yellow": 0, "red": 1, "not_assessed": 1}
    assert pf.status_count([]) == {"green": 0, "yellow": 0, "red": 0, "not_assessed": 0}


def test_projects_by_phase_keeps_the_given_order_and_zeroes():
    result = pf.projects_by_phase(["modeling", "charter", "modeling"], order=["charter", "exploration", "modeling"])
    assert list(result.items()) == [("charter", 1), ("exploration", 0), ("modeling", 2)]


@given(st.lists(st.sampled_from([Rag.GREEN, Rag.YELLOW, Rag.RED, None]), min_size=4, max_size=4))
def test_overall_rag_is_never_better_than_any_dimension(dims):
    result = pf.overall_rag(*dims).value
    assert result == worst_rag(dims)
    for dim in dims:
        if dim is not None:
            assert ["green", "yellow", "red"].index(result) >= ["green", "yellow", "red"].index(dim)


# --- earned value ---------------------------------------------------------------------------------------------


def test_earned_value_summary_hand_computed():
    # BAC 100,000; planned 50 %, actual 40 %, AC 50,000
    # PV = 0.5 x 100,000 = 50,000; EV = 0.4 x 100,000 = 40,000
    # CV = 40,000 - 50,000 = -10,000; SV = 40,000 - 50,000 = -10,000
    # SPI = 40,000 / 50,000 = 0.8; CPI = 40,000 / 50,000 = 0.8
    # EAC typical = 100,000 / 0.8 = 125,000; atypical = 50,000 + (100,000 - 40,000) = 110,000
    # ETC = 125,000 - 50,000 = 75,000; VAC = 100,000 - 125,000 = -25,000
    # TCPI = (100,000 - 40,000) / (100,000 - 50,000) = 60,000 / 50,000 = 1.2
    ev = pf.earned_value_summary(Decimal("100000"), Decimal("0.5"), 0.4, 50_000)
    assert ev.planned_value == 50_000
    assert ev.earned_value == 40_000
    assert ev.cost_variance == -10_000
    assert ev.schedule_variance == -10_000
    assert ev.spi == 0.8
    assert ev.cpi == 0.8
    assert ev.eac_typical == 125_000
    assert ev.eac_atypical == 110_000
    assert ev.etc == 75_000
    assert ev.vac == -25_000
    assert ev.tcpi == 1.2


def test_earned_value_before_any_spend_or_plan_gives_none_not_zero():
    # nothing planned, nothing spent: SPI, CPI, EAC, ETC, VAC undefined; TCPI = 100,000 / 100,000 = 1
    ev = pf.earned_value_summary(100_000, 0, 0, 0)
    assert (ev.spi, ev.cpi, ev.eac_typical, ev.etc, ev.vac) == (None, None, None, None, None)
    assert ev.tcpi == 1.0
    assert ev.eac_atypical == 100_000


def test_cpi_zero_gives_undefined_typical_eac():
    # EV 0 with spend: CPI = 0 / 10 = 0, BAC / 0 undefined
    assert pf.cost_performance_index(0, 10) == 0
    assert pf.estimate_at_completion_typical(100, 0) is None


def test_tcpi_undefined_when_budget_fully_spent():
    assert pf.to_complete_performance_index(100, 80, 100) is None


@pytest.mark.parametrize("bad", [-1, 1.01])
def test_percent_complete_outside_zero_to_one_is_refused(bad):
    with pytest.raises(ValueError):
        pf.planned_value(100, bad)
    with pytest.raises(ValueError):
        pf.earned_value(100, bad)


def test_negative_money_is_refused():
    with pytest.raises(ValueError):
        pf.earned_value(-100, 0.5)
    with pytest.raises(ValueError):
        pf.cost_performance_index(10, -1)


@pytest.mark.parametrize(
    ("ev", "pv", "expected"),
    [(95, 100, Rag.GREEN), (94.9, 100, Rag.YELLOW), (90, 100, Rag.YELLOW), (89.9, 100, Rag.RED), (10, 0, None)],
)
def test_schedule_health_bands(ev, pv, expected):
    # SPI 0.95 green, 0.949 yellow, 0.90 yellow, 0.899 red, PV 0 undefined
    assert pf.schedule_health(ev, pv) == expected


def test_cost_health_uses_same_bands_and_accepts_custom_ones():
    assert pf.cost_health(92, 100) == Rag.YELLOW  # CPI 0.92
    assert pf.cost_health(92, 100, IndexBands(green_at=0.9, yellow_at=0.8)) == Rag.GREEN


def test_bands_refuse_inverted_thresholds():
    with pytest.raises(ValueError):
        IndexBands(green_at=0.8, yellow_at=0.9)
    with pytest.raises(ValueError):
        LoadBands(yellow_at=5, red_at=2)


# --- cost planned / actual ------------------------------------------------------------------------------------


def test_planned_cost_spreads_each_period_over_its_days():
    # January 3,100 over 31 days = 100/day; February 2,800 over 28 days = 100/day
    budget = [
        pf.BudgetPeriod(date(2026, 1, 1), date(2026, 1, 31), Decimal("3100")),
        pf.BudgetPeriod(date(2026, 2, 1), date(2026, 2, 28), 2800),
    ]
    assert pf.planned_cost_to_date(budget, date(2025, 12, 31)) == 0
    assert pf.planned_cost_to_date(budget, date(2026, 1, 10)) == 1000  # 10 days x 100
    assert pf.planned_cost_to_date(budget, date(2026, 2, 5)) == 3600  # 3,100 + 5 x 100
    assert pf.planned_cost_to_date(budget, date(2026, 6, 1)) == 5900


def test_actual_cost_sums_entries_to_date_and_missing_periods_add_nothing():
    costs = [pf.CostEntry(date(2026, 1, 5), 200), pf.CostEntry(date(2026, 3, 1), Decimal("50.5"))]
    assert pf.actual_cost_to_date(costs, date(2026, 2, 28)) == 200  # nothing entered in February
    assert pf.actual_cost_to_date(costs, date(2026, 3, 1)) == 250.5
    curve = pf.cost_curve([], costs, [date(2026, 1, 1), date(2026, 3, 31)])
    assert curve == [pf.CostPoint(date(2026, 1, 1), 0.0, 0.0), pf.CostPoint(date(2026, 3, 31), 0.0, 250.5)]


def test_negative_cost_and_reversed_budget_period_are_refused():
    with pytest.raises(ValueError):
        pf.CostEntry(date(2026, 1, 1), -5)
    with pytest.raises(ValueError):
        pf.BudgetPeriod(date(2026, 2, 1), date(2026, 1, 1), 10)


# --- risk and issues ------------------------------------------------------------------------------------------


def test_risk_exposure_sums_open_risks_only():
    # 0.5 x 4 + 0.25 x 2 = 2.5; the closed 0.9 x 5 is ignored
    risks = [pf.Risk(0.5, 4), pf.Risk(0.25, 2), pf.Risk(0.9, 5, is_open=False)]
    assert pf.risk_exposure(risks) == 2.5
    assert pf.risk_health(risks) == Rag.YELLOW
    assert pf.risk_health([]) == Rag.GREEN
    assert pf.risk_health([pf.Risk(0.8, 5)]) == Rag.RED  # 4.0


def test_risk_probability_above_one_is_refused():
    with pytest.raises(ValueError):
        pf.Risk(1.5, 3)


def test_issue_load_and_health():
    issues = [
        pf.Issue("high", date(2026, 1, 1)),
        pf.Issue("critical", date(2026, 1, 2), closed=date(2026, 1, 4)),
        pf.Issue("low", date(2026, 1, 3)),
    ]
    # 2 Jan: high 4 + critical 8 = 12 -> red; 4 Jan: high 4 + low 1 = 5 -> yellow (critical closed that day)
    assert pf.issue_load(issues, date(2026, 1, 2)) == 12
    assert pf.issue_health(issues, date(2026, 1, 2)) == Rag.RED
    assert pf.issue_load(issues, date(2026, 1, 4)) == 5
    assert pf.issue_health(issues, date(2026, 1, 4)) == Rag.YELLOW
    with pytest.raises(ValueError):
        pf.issue_load([pf.Issue("weight", date(2026, 1, 1))], date(2026, 1, 1))


def test_issue_daily_series():
    issues = [pf.Issue("medium", date(2026, 1, 1), closed=date(2026, 1, 2)), pf.Issue("low", date(2026, 1, 2))]
    assert pf.issue_daily_series(issues, date(2026, 1, 1), date(2026, 1, 2)) == [
        pf.IssueDay(date(2026, 1, 1), opened=1, closed=0, open_at_end=1, weighted_open=2.0),
        pf.IssueDay(date(2026, 1, 2), opened=1, closed=1, open_at_end=1, weighted_open=1.0),
    ]


def test_issue_closed_before_opened_is_refused():
    with pytest.raises(ValueError):
        pf.Issue("low", date(2026, 1, 2), closed=date(2026, 1, 1))


# --- resource utilization -------------------------------------------------------------------------------------


def test_resource_utilization_hand_computed():
    # a week Mon 23 - Fri 27 Nov 2026 with Thanksgiving: 4 working days x 8 h = 32 h; leave 8 h -> capacity 24 h
    working = rs.working_hours(date(2026, 11, 23), date(2026, 11, 29), 8, holidays={date(2026, 11, 26)})
    assert working == 32
    # planned 30 / 24 = 1.25 (flagged); actual 12 / 24 = 0.5; forecast (12 + 6) / 24 = 0.75
    result = rs.resource_utilization(working, 8, allocated=30, logged_to_date=12, remaining_allocation=6)
    assert result == rs.Utilization(capacity=24, planned=1.25, actual=0.5, forecast=0.75, over_capacity=True)


def test_exactly_full_is_not_over_capacity():
    assert not rs.is_over_capacity(1.0)
    assert rs.is_over_capacity(1.0001)
    assert not rs.is_over_capacity(None)


def test_zero_capacity_gives_none_and_leave_above_working_hours_is_refused():
    result = rs.resource_utilization(8, 8, allocated=4, logged_to_date=0, remaining_allocation=4)
    assert (result.capacity, result.planned, result.actual, result.forecast) == (0, None, None, None)
    assert result.over_capacity is False
    with pytest.raises(ValueError):
        rs.capacity_hours(8, 9)
    with pytest.raises(ValueError):
        rs.planned_utilization(-1, 8)


# --- value ----------------------------------------------------------------------------------------------------


def test_benefit_realization_counts_unmeasured_periods_as_zero():
    periods = [
        vl.BenefitPeriod(date(2026, 1, 31), 100, 80),
        vl.BenefitPeriod(date(2026, 2, 28), 100, None),  # missing measurement
        vl.BenefitPeriod(date(2026, 3, 31), 100, 130),  # after as_of in the first check
    ]
    # to 28 Feb: 80 / 200 = 0.4; to 31 Mar: (80 + 130) / 300 = 0.7
    assert vl.benefit_realization(periods, date(2026, 2, 28)) == 0.4
    assert vl.benefit_realization(periods, date(2026, 3, 31)) == 0.7
    assert vl.benefit_realization(periods, date(2025, 12, 31)) is None


def test_benefit_realization_rollup():
    first = [vl.BenefitPeriod(date(2026, 1, 31), 100, 50)]
    second = [vl.BenefitPeriod(date(2026, 1, 31), 300, 300)]
    # (50 + 300) / (100 + 300) = 0.875
    assert vl.benefit_realization_rollup([first, second], date(2026, 1, 31)) == 0.875
    assert vl.benefit_realization_rollup([], date(2026, 1, 31)) is None


def test_time_to_mobilize():
    assert vl.time_to_mobilize_days(date(2026, 1, 1), date(2026, 2, 15)) == 45
    assert vl.time_to_mobilize_days(date(2026, 1, 1), None) is None
    with pytest.raises(ValueError):
        vl.time_to_mobilize_days(date(2026, 2, 1), date(2026, 1, 1))


def test_time_to_mobilize_summary_median_and_p85():
    # sorted 10, 20, 30, 40, 100: median 30; p85 rank 0.85 x 4 = 3.4 -> 40 + 0.4 x (100 - 40) = 64
    summary = vl.time_to_mobilize_summary([30, 10, None, 100, 20, 40])
    assert summary == vl.MobilizeSummary(projects=5, median_days=30.0, p85_days=pytest.approx(64.0))
    assert vl.time_to_mobilize_summary([None]) == vl.MobilizeSummary(0, None, None)


def test_roi_and_payback():
    # (150,000 - 100,000) / 100,000 = 0.5
    assert vl.expected_roi(Decimal("150000"), Decimal("100000")) == 0.5
    assert vl.expected_roi(10, 0) is None
    # realized: (60,000 - 80,000) / 80,000 = -0.25
    assert vl.realized_roi(60_000, 80_000) == -0.25
    assert vl.realized_roi(None, 80_000) is None
    # cumulative 30, 60, 90, 120 >= 100 in month 4
    assert vl.payback_months(100, [30, 30, 30, 30, 30]) == 4
    assert vl.payback_months(100, [30, 30]) is None
    assert vl.payback_months(0, []) == 0
    # 100 / 30 = 3.33 -> 4 months
    assert vl.payback_months_flat(100, 30) == 4
    assert vl.payback_months_flat(100, 0) is None


def test_roadmap_slip_and_milestone_status():
    assert vl.schedule_slip_days(date(2026, 3, 1), date(2026, 3, 15)) == 14
    assert vl.schedule_slip_days(date(2026, 3, 15), date(2026, 3, 1)) == -14
    due = date(2026, 3, 1)
    assert vl.milestone_status(due, date(2026, 2, 27), date(2026, 3, 10)) == "done"
    assert vl.milestone_status(due, date(2026, 3, 2), date(2026, 3, 10)) == "done_late"
    assert vl.milestone_status(due, None, date(2026, 3, 2)) == "overdue"
    assert vl.milestone_status(due, None, date(2026, 3, 1)) == "upcoming"
    assert vl.milestone_status(due, date(2026, 3, 5), date(2026, 3, 3)) == "overdue"  # completed after as_of


@given(
    st.floats(min_value=0, max_value=1e9),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1e9),
)
def test_earned_value_identities(bac, planned, actual, ac):
    ev = pf.earned_value_summary(bac, planned, actual, ac)
    assert ev.cost_variance == pytest.approx(ev.earned_value - ev.actual_cost)
    if ev.eac_typical is not None:
        assert ev.etc == pytest.approx(ev.eac_typical - ac)
        assert ev.vac == pytest.approx(bac - ev.eac_typical)
