"""Colours and helpers shared by the portfolio dashboard's figure builders."""

from __future__ import annotations

from typing import Any

from metrics.charts import RAG_COLOURS
from metrics.dashboards.common import DashboardChart, project_list_url
from metrics.dashboards.portfolio.data import PortfolioDashboardData
from metrics.portfolio_inputs import selectors

DIMENSION_LABELS = {
    "schedule_health": "Schedule",
    "cost_health": "Cost",
    "risk_health": "Risk",
    "issue_health": "Issues",
}
RAG_SCALE = [[0, RAG_COLOURS["green"]], [0.5, RAG_COLOURS["yellow"]], [1, RAG_COLOURS["red"]]]
DECISION_COLOURS = {"go": "#198754", "conditional_go": "#0dcaf0", "recycle": "#ffc107", "no_go": "#dc3545"}
MILESTONE_COLOURS = {"done": "#198754", "done_late": "#0dcaf0", "overdue": "#dc3545", "upcoming": "#6c757d"}
ENTER_DATA = "Open a project to enter it"


def portfolio_chart(data: PortfolioDashboardData, **kwargs: Any) -> DashboardChart:
    kwargs.setdefault("computed_at", data.computed_at)
    kwargs.setdefault("empty_url", project_list_url(data.list_query))
    kwargs.setdefault("empty_label", ENTER_DATA)
    return DashboardChart(**kwargs)


def more_link(
    data: PortfolioDashboardData, shown: int, total: int, what: str, *, listed: bool = False
) -> dict[str, str]:
    """The note under a chart cut to its top rows; with ``listed`` (the ``total`` rows are exactly the dashboard's
    projects) a link to them in the project list. Other totals (people, projects with a target end...) get no link:
    the list would hold another number than the one promised."""
    if total <= shown:
        return {}
    more = {"note": f"Showing {shown} of {total} {what}."}
    if listed:
        more |= {"more_url": project_list_url(data.list_query), "more_label": f"Show all {total} in the project list"}
    return more


def data_dates_text(cost: selectors.CostTotals) -> str:
    """The data date(s) the earned-value sums are taken at, for the panels to state."""
    if not cost.last_data_date:
        return "no data date yet"
    if cost.first_data_date == cost.last_data_date:
        return f"data date {cost.last_data_date}"
    return f"data dates {cost.first_data_date} to {cost.last_data_date}"
