"""Pure helpers of the portfolio snapshot computers: RAG and date helpers, the forecast finish, phase durations and
gate throughput. No queries; shared by ``compute_portfolio``, ``compute_portfolio_values`` and the dashboards."""

from __future__ import annotations

import datetime

from lifecycle.models import Project
from metrics.formulas.bands import RAG_SEVERITY, Rag
from metrics.formulas.calendar import month_end, month_start
from metrics.formulas.lifecycle import gate_throughput, phase_durations

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
    "months_between",
    "phase_durations",
    "rag_value",
]
