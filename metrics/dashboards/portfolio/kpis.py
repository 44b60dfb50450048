"""Headline figures (KPIs) of the portfolio dashboard."""

from __future__ import annotations

from metrics.dashboards.common import Kpi, days_text, index_tone, money, percent, ratio_text
from metrics.dashboards.portfolio.data import PortfolioDashboardData


def portfolio_kpis(data: PortfolioDashboardData) -> list[Kpi]:
    cost, at = data.cost, data.computed_at
    red = data.status["red"]
    return [
        Kpi("projects", "Projects", f"{data.projects}", ("status_count",), at, hint=f"{red} red"),
        Kpi("bac", "Budget (BAC)", money(cost.budget_at_completion), ("cost_planned",), at),
        Kpi("eac", "Forecast (EAC)", money(cost.forecast), ("eac_typical",), at, hint=f"AC {money(cost.actual_cost)}"),
        Kpi("cpi", "CPI", ratio_text(cost.cpi), ("cpi",), at, tone=index_tone(cost.cpi)),
        Kpi("spi", "SPI", ratio_text(cost.spi), ("spi",), at, tone=index_tone(cost.spi)),
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
