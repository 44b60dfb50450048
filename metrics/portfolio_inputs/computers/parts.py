"""Pure helpers of the portfolio snapshot computers: RAG and date helpers, the monthly S-curve points, the forecast
finish, phase durations and gate throughput. No queries; shared by ``compute_portfolio``,
``compute_portfolio_values`` and the dashboards."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lifecycle.models import Project
from metrics.formulas.bands import RAG_SEVERITY, Rag
from metrics.formulas.calendar import month_end, month_start
from metrics.formulas.lifecycle import PhaseTime, Transition, gate_throughput, phase_days_split, phase_durations
from metrics.formulas.portfolio import BudgetPeriod, CostEntry, CostPoint, cost_curve

#: An unresolved model alert weighs in risk exposure as a certain risk (probability 1) of this impact (1-5 scale).
ALERT_IMPACT = {"low": 1, "medium": 2, "high": 3, "critical": 5}
#: The issue chart shows the last 90 days of the daily opened / closed series.
ISSUE_SERIES_DAYS = 90
DIMENSIONS = ("schedule", "cost", "risk", "issues")
DIMENSION_METRICS = {
    "schedule": "schedule_health",
    "cost": "cost_health",
    "risk": "risk_health",
    "issues": "issue_health",
}


def rag_value(rag: Rag | str | None) -> float | None:
    """A RAG as the snapshot's number: green 0, yellow 1, red 2 (None: not assessed), so SQL can sort by it."""
    if not rag:
        return None
    return float(RAG_SEVERITY[Rag(rag)])


def month_key(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """First days of every month from ``first``'s month to ``last``'s month, inclusive."""
    months, current = [], month_start(first)
    while current <= last:
        months.append(current)
        current = month_end(current) + datetime.timedelta(days=1)
    return months


def monthly_cost_points(
    budget: Sequence[BudgetPeriod], costs: Sequence[CostEntry], today: datetime.date
) -> list[tuple[datetime.date, CostPoint]]:
    """The project's S-curve by month, from its first budget period or cost to its last (and at least to today's
    month): (first day of the month, cumulative planned and actual cost at the month's end, or today in today's
    month). [] without budget or costs."""
    starts = [period.start for period in budget] + [entry.day for entry in costs]
    if not starts:
        return []
    ends = [period.end for period in budget] + [entry.day for entry in costs] + [today]
    months = months_between(min(starts), max(ends))
    days = [min(month_end(month), today) if month <= today else month_end(month) for month in months]
    return list(zip(months, cost_curve(budget, costs, days), strict=True))


def percent_complete_on(reports: Sequence[Any], day: datetime.date) -> float:
    """Actual % complete known on ``day``: the latest report on or before it that states progress (0 before any).
    ``reports`` are status-history rows (as_of first, % complete last), oldest first."""
    percent = 0.0
    for report in reports:
        if report[0] > day:
            break
        if report[7] is not None:
            percent = float(report[7])
    return percent


def phase_timelines(
    projects: Iterable[tuple[int, datetime.datetime]],
    transitions: Mapping[int, Sequence[Transition]],
    now: datetime.datetime,
) -> list[dict[str, PhaseTime]]:
    """The phase timeline of each (project id, created at), from its phase transitions."""
    return [phase_durations(transitions.get(pk, []), created, now) for pk, created in projects]


def forecast_finish(project: Project, spi: float | None, today: datetime.date) -> tuple[datetime.date | None, str]:
    """Forecast finish: the actual end once closed; else start + planned duration / SPI when SPI is known; else the
    baseline, pushed to today when it has passed without the project finishing."""
    if project.actual_end_date:
        return project.actual_end_date, "actual end"
    baseline = project.target_end_date
    if baseline is None:
        return None, ""
    if project.start_date and spi:
        planned_days = max((baseline - project.start_date).days, 0)
        forecast = project.start_date + datetime.timedelta(days=round(planned_days / spi))
        return max(forecast, today), "start + planned duration / SPI"
    return max(baseline, today), "baseline (no SPI yet)"


__all__ = [
    "ALERT_IMPACT",
    "DIMENSIONS",
    "DIMENSION_METRICS",
    "ISSUE_SERIES_DAYS",
    "forecast_finish",
    "gate_throughput",
    "month_key",
    "monthly_cost_points",
    "percent_complete_on",
    "months_between",
    "phase_days_split",
    "phase_durations",
    "phase_timelines",
    "rag_value",
]
