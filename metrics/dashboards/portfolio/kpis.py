"""Headline figures (KPIs) of the portfolio dashboard. Each one is the figure its registry entry (``metric_keys``)
describes, computed over the same projects."""

from __future__ import annotations

from metrics.dashboards.common import Kpi, days_text, index_tone, money, percent, ratio_text
from metrics.dashboards.portfolio.base import data_dates_text
from metrics.dashboards.portfolio.data import PortfolioDashboardData


def portfolio_kpis(data: PortfolioDashboardData) -> list[Kpi]:
    cost, at = data.cost, data.computed_at
    red = data.status["red"]
    dates = data_dates_text(cost)
    return [
        Kpi("projects", "Projects", f"{data.projects}", ("status_count",), at, hint=f"{red} red"),
        Kpi("bac", "Budget (BAC)", money(cost.budget_at_completion), ("budget_at_completion",), at),
        Kpi(
            "eac",
            "Forecast (EAC, sum of projects)",
            money(cost.forecast),
            ("forecast",),
            at,
            hint=f"AC {money(cost.actual_cost)} ({dates})",
        ),
        Kpi("cpi", "CPI", ratio_text(cost.cpi), ("cpi",), at, hint=dates, tone=index_tone(cost.cpi)),
        Kpi("spi", "SPI", ratio_text(cost.spi), ("spi",), at, hint=dates, tone=index_tone(cost.spi)),
        Kpi(
            "benefits",
            "Benefit realization",
            percent(data.benefit_totals.realization),
            ("benefit_realization_rollup",),
            at,
        ),
        Kpi(
            "mobilize",
            "Time to mobilize (median)",
            days_text(data.mobilize.median),
            ("time_to_mobilize_summary",),
            at,
            hint=f"P85 {days_text(data.mobilize.p85)}",
        ),
    ]
