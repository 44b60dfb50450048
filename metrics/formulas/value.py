"""Value and timing of projects: benefit realization, time to mobilize, ROI and payback, roadmap slip."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from metrics.formulas.numbers import Number, as_float, optional_float, ratio

# --- benefit realization --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitPeriod:
    """One period of one benefit (a charter success metric): planned value and measured value (None = missing)."""

    period_end: date
    planned: Number
    realized: Number | None = None

    def __post_init__(self) -> None:
        as_float(self.planned, "planned benefit")
        optional_float(self.realized, "realized benefit")


def _benefit_totals(periods: Iterable[BenefitPeriod], as_of: date) -> tuple[float, float]:
    planned = realized = 0.0
    for period in periods:
        if period.period_end <= as_of:
            planned += float(period.planned)
            # A period without a measurement realized nothing we can show: it counts as 0, never as "on plan".
            realized += 0.0 if period.realized is None else float(period.realized)
    return realized, planned


def benefit_realization(periods: Iterable[BenefitPeriod], as_of: date) -> float | None:
    """Benefit realization = realized benefit to date / planned benefit to date, for one benefit.

    Periods ending after ``as_of`` are ignored; a period with no measurement counts as 0 realized.
    None when nothing was planned to date.
    """
    realized, planned = _benefit_totals(periods, as_of)
    return ratio(realized, planned)


def benefit_realization_rollup(benefits: Iterable[Iterable[BenefitPeriod]], as_of: date) -> float | None:
    """Rolled up: sum of realized to date over all benefits / sum of planned to date (benefits in one unit)."""
    realized_total = planned_total = 0.0
    for periods in benefits:
        realized, planned = _benefit_totals(periods, as_of)
        realized_total += realized
        planned_total += planned
    return ratio(realized_total, planned_total)


# --- time to mobilize -----------------------------------------------------------------------------------------


def time_to_mobilize_days(ideation_date: date, start_date: date | None) -> int | None:
    """Time to mobilize = start date - ideation date, in calendar days; None when not started yet.

    ValueError when the start is before the ideation date.
    """
    if start_date is None:
        return None
    if start_date < ideation_date:
        raise ValueError(f"start date {start_date} is before ideation date {ideation_date}")
    return (start_date - ideation_date).days


@dataclass(frozen=True)
class MobilizeSummary:
    projects: int
    median_days: float | None
    p85_days: float | None


def time_to_mobilize_summary(days: Iterable[int | None]) -> MobilizeSummary:
    """Median and 85th percentile of time to mobilize over projects that have started (None values skipped).

    Percentiles use linear interpolation between order statistics (numpy's default, Excel's PERCENTILE.INC).
    """
    values = [as_float(value, "days") for value in days if value is not None]
    if not values:
        return MobilizeSummary(projects=0, median_days=None, p85_days=None)
    median, p85 = np.percentile(values, [50, 85])
    return MobilizeSummary(projects=len(values), median_days=float(median), p85_days=float(p85))


# --- ROI and payback ------------------------------------------------------------------------------------------


def return_on_investment(benefits: Number, costs: Number) -> float | None:
    """ROI = (benefits - costs) / costs; None when costs are 0."""
    cost = as_float(costs, "costs")
    return ratio(as_float(benefits, "benefits") - cost, cost)


def expected_roi(expected_benefits: Number, expected_costs: Number) -> float | None:
    """Expected ROI = (expected benefits - expected costs) / expected costs, from the charter's value case."""
    return return_on_investment(expected_benefits, expected_costs)


def realized_roi(realized_benefits: Number | None, actual_costs: Number) -> float | None:
    """Realized ROI = (realized benefits to date - actual costs) / actual costs; None until benefits are measured."""
    if realized_benefits is None:
        return None
    return return_on_investment(realized_benefits, actual_costs)


def payback_months(costs: Number, monthly_benefits: Sequence[Number]) -> int | None:
    """Payback = the first month (1-based) at whose end cumulative benefits reach the costs.

    ``monthly_benefits`` is the benefit of each month from the start (expected or measured). 0 when costs are 0;
    None when the benefits given never pay the costs back.
    """
    remaining = as_float(costs, "costs")
    if remaining == 0:
        return 0
    cumulative = 0.0
    for month, benefit in enumerate(monthly_benefits, start=1):
        cumulative += as_float(benefit, "monthly benefit")
        if cumulative >= remaining:
            return month
    return None


def payback_months_flat(costs: Number, monthly_benefit: Number) -> int | None:
    """Payback with a constant monthly benefit = ceil(costs / monthly benefit); None when the benefit is 0."""
    per_month = as_float(monthly_benefit, "monthly benefit")
    months = ratio(as_float(costs, "costs"), per_month)
    return None if months is None else math.ceil(months)


# --- roadmap --------------------------------------------------------------------------------------------------


def schedule_slip_days(baseline: date, forecast: date) -> int:
    """Slip = forecast date - baseline date in calendar days (positive: late, negative: early)."""
    return (forecast - baseline).days


def milestone_status(due: date, completed: date | None, as_of: date) -> str:
    """Milestone status on ``as_of``: "done" (on or before due), "done_late", "overdue" or "upcoming"."""
    if completed is not None and completed <= as_of:
        return "done" if completed <= due else "done_late"
    return "overdue" if as_of > due else "upcoming"
