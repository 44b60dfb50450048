"""Portfolio health dashboard: ``portfolio_dashboard_data`` reads the selectors once (a fixed number of
queries), and the ``*_chart`` builders turn that plain data into ``Chart`` objects (pure, testable without a
database). Every mark carries a drill-down URL in ``customdata``: the project's dashboard, or the project list
filtered the same way as the dashboard plus the chart's own category.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.db.models import QuerySet

from lifecycle.choices import GateDecision, Phase
from lifecycle.models import Project
from metrics import selectors
from metrics.dashboards.charts import RAG_COLOURS
from metrics.dashboards.common import (
    DashboardChart,
    Kpi,
    days_text,
    index_tone,
    money,
    percent,
    project_list_url,
    project_url,
    ratio_text,
    table,
)

DIMENSION_LABELS = {
    "schedule_health": "Schedule",
    "cost_health": "Cost",
    "risk_health": "Risk",
    "issue_health": "Issues",
}
RAG_LEVEL = {"green": 0, "yellow": 1, "red": 2}
RAG_SCALE = [[0, RAG_COLOURS["green"]], [0.5, RAG_COLOURS["yellow"]], [1, RAG_COLOURS["red"]]]
DECISION_COLOURS = {"go": "#198754", "conditional_go": "#0dcaf0", "recycle": "#ffc107", "no_go": "#dc3545"}
MILESTONE_COLOURS = {"done": "#198754", "done_late": "#0dcaf0", "overdue": "#dc3545", "upcoming": "#6c757d"}
ENTER_DATA = "Open a project to enter it"


@dataclass
class PortfolioDashboardData:
    list_query: dict[str, str]
    period: tuple[str, str]
    computed_at: datetime.datetime | None
    status: dict[str, int]
    phases: dict[str, int]
    health: list[selectors.HealthRow]
    gates: selectors.GateThroughput
    cost: selectors.CostTotals
    cost_series: dict[str, dict[str, float]]
    people: list[selectors.PersonWeeks]
    people_total: int
    roadmap: list[selectors.ProjectValue]
    roadmap_total: int
    benefits: list[selectors.ProjectValue]
    benefit_totals: selectors.BenefitTotals
    mobilize: selectors.MobilizeStats
    roi: list[selectors.ProjectValue]
    roi_total: int
    balance: list[selectors.ProjectValue]
    balance_total: int

    @property
    def projects(self) -> int:
        return sum(self.status.values())


def portfolio_dashboard_data(
    projects: QuerySet[Project],
    *,
    list_query: Mapping[str, str] | None = None,
    period: tuple[str, str] = ("", ""),
    date_range: tuple[datetime.date | None, datetime.date | None] = (None, None),
) -> PortfolioDashboardData:
    """Everything the page shows, for the (visible, filtered) projects. A fixed number of queries."""
    people, people_total = selectors.utilization_rows(projects, *date_range)
    roadmap, roadmap_total = selectors.roadmap_rows(projects)
    benefits, benefit_totals = selectors.benefit_rows(projects)
    roi, roi_total = selectors.roi_rows(projects)
    balance, balance_total = selectors.balance_rows(projects)
    return PortfolioDashboardData(
        list_query=dict(list_query or {}),
        period=period,
        computed_at=selectors.last_computed(projects),
        status=selectors.status_counts(projects),
        phases=selectors.phase_counts(projects),
        health=selectors.health_rows(projects),
        gates=selectors.gate_throughput(projects),
        cost=selectors.cost_totals(projects),
        cost_series=selectors.cost_series(projects, *period),
        people=people,
        people_total=people_total,
        roadmap=roadmap,
        roadmap_total=roadmap_total,
        benefits=benefits,
        benefit_totals=benefit_totals,
        mobilize=selectors.mobilize_stats(projects),
        roi=roi,
        roi_total=roi_total,
        balance=balance,
        balance_total=balance_total,
    )


def _sum_counts(dicts: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for counts in dicts:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


def _top_values(rows: list[dict[str, Any]], key: Any) -> list[selectors.ProjectValue]:
    values = [selectors.ProjectValue(**row) for row in rows]
    return sorted(values, key=key)[: selectors.CHART_ROW_LIMIT]


def _descending(number: float | None) -> tuple[int, float]:
    return (1, 0.0) if number is None else (0, -number)


def portfolio_dashboard_data_from_rollups(
    rollups: list[dict[str, Any]],
    values: list[dict[str, Any]] | None = None,
    *,
    list_query: Mapping[str, str] | None = None,
) -> PortfolioDashboardData:
    """The unfiltered dashboard of one or more portfolios from their stored rollups (``selectors.portfolio_rollup``):
    counts and sums add up, the top rows are merged and cut again. Percentiles of one portfolio are read as
    stored; those of several come from their merged ``values``. Same figures as ``portfolio_dashboard_data`` over
    the same projects, without reading every project's snapshots."""
    if len(rollups) == 1:
        (only,) = rollups
        medians = {phase: tuple(only["phase_percentiles"].get(phase, [None, None])) for phase in Phase.values}
        mobilize = selectors.MobilizeStats(
            projects=sum(count for _, count in only["mobilize_bins"]),
            median=only["mobilize_percentiles"][0],
            p85=only["mobilize_percentiles"][1],
            bins=[(start, count) for start, count in only["mobilize_bins"]],
        )
    else:
        phase_days: dict[str, list[float]] = {}
        for item in values or []:
            for phase, days in item["phase_days"].items():
                phase_days.setdefault(phase, []).extend(days)
        medians = {phase: tuple(selectors.percentiles(phase_days.get(phase, []))) for phase in Phase.values}
        mobilize_days = [days for item in values or [] for days in item["mobilize_days"]]
        median, p85 = selectors.percentiles(mobilize_days)
        mobilize = selectors.MobilizeStats(
            projects=len(mobilize_days), median=median, p85=p85, bins=selectors.mobilize_bins(mobilize_days)
        )
    series: dict[str, dict[str, float]] = {}
    for rollup in rollups:
        for month, metrics in rollup["cost_series"].items():
            series[month] = _sum_counts([series.get(month, {}), metrics])
    people: dict[int, selectors.PersonWeeks] = {}
    for rollup in rollups:
        for row in rollup["people"]:
            people.setdefault(row["person_id"], selectors.PersonWeeks(**row))
    health = [selectors.HealthRow(**row) for rollup in rollups for row in rollup["health"]]
    stamps = [datetime.datetime.fromisoformat(rollup["computed_at"]) for rollup in rollups if rollup["computed_at"]]

    def merged(name: str) -> list[dict[str, Any]]:
        return [row for rollup in rollups for row in rollup[name]]

    def total(name: str) -> int:
        return sum(rollup[name] for rollup in rollups)

    return PortfolioDashboardData(
        list_query=dict(list_query or {}),
        period=("", ""),
        computed_at=max(stamps, default=None),
        status=_sum_counts([rollup["status"] for rollup in rollups]) or dict.fromkeys(selectors.RAG_NAMES.values(), 0),
        phases={phase: _sum_counts([rollup["phases"] for rollup in rollups]).get(phase, 0) for phase in Phase.values},
        health=sorted(health, key=lambda row: (-RAG_LEVEL.get(row.overall, -1), row.code))[: selectors.CHART_ROW_LIMIT],
        gates=selectors.GateThroughput(
            counts=_sum_counts([rollup["gate_counts"] for rollup in rollups]),
            median_days={phase: medians[phase][0] for phase in Phase.values},
            p85_days={phase: medians[phase][1] for phase in Phase.values},
        ),
        cost=selectors.CostTotals(**_sum_counts([rollup["cost"] for rollup in rollups])),
        cost_series=dict(sorted(series.items())),
        people=sorted(people.values(), key=lambda row: (_descending(row.peak), row.person_id))[
            : selectors.CHART_ROW_LIMIT
        ],
        people_total=total("people_total"),
        roadmap=_top_values(merged("roadmap"), lambda row: (_descending(row.value), row.code)),
        roadmap_total=total("roadmap_total"),
        benefits=_top_values(merged("benefits"), lambda row: (_descending(row.detail.get("planned")), row.code)),
        benefit_totals=selectors.BenefitTotals(**_sum_counts([rollup["benefit_totals"] for rollup in rollups])),
        mobilize=mobilize,
        roi=_top_values(merged("roi"), lambda row: (_descending(row.detail.get("expected_cost")), row.code)),
        roi_total=total("roi_total"),
        balance=_top_values(merged("balance"), lambda row: (_descending(row.detail.get("bac")), row.code)),
        balance_total=total("balance_total"),
    )


def _chart(data: PortfolioDashboardData, **kwargs: Any) -> DashboardChart:
    kwargs.setdefault("computed_at", data.computed_at)
    kwargs.setdefault("empty_url", project_list_url(data.list_query))
    kwargs.setdefault("empty_label", ENTER_DATA)
    return DashboardChart(**kwargs)


def _more(data: PortfolioDashboardData, shown: int, total: int, what: str) -> dict[str, str]:
    if total <= shown:
        return {}
    return {
        "note": f"Showing {shown} of {total} {what}.",
        "more_url": project_list_url(data.list_query),
        "more_label": f"Show all {total} in the project list",
    }


# --- counts and health -----------------------------------------------------------------------------------------


def status_chart(data: PortfolioDashboardData) -> DashboardChart:
    labels = ["green", "yellow", "red", "unknown"]
    counts = [data.status[label] for label in labels]
    urls = [project_list_url(data.list_query, overall_rag=label if label != "unknown" else "") for label in labels]
    figure = go.Figure(
        go.Bar(
            x=["Green", "Yellow", "Red", "Not assessed"],
            y=counts,
            marker_color=[RAG_COLOURS.get(label, RAG_COLOURS[""]) for label in labels],
            customdata=urls,
            text=counts,
            textposition="auto",
            hovertemplate="%{x}: %{y} projects<extra></extra>",
        )
    )
    figure.update_layout(yaxis_title="Projects")
    rows = [(label, count) for label, count in zip(labels, counts, strict=True)] if data.projects else []
    return _chart(
        data,
        id="status",
        title="Projects by overall RAG",
        figure=figure,
        table=table(("overall_rag", "projects"), rows=rows),
        metric_keys=("status_count", "overall_rag"),
        empty_message="No projects match the filters.",
        height=280,
    )


def phase_chart(data: PortfolioDashboardData) -> DashboardChart:
    phases = list(data.phases)
    counts = [data.phases[phase] for phase in phases]
    figure = go.Figure(
        go.Bar(
            x=[Phase(phase).label for phase in phases],
            y=counts,
            marker_color="#0d6efd",
            customdata=[project_list_url(data.list_query, phase=phase) for phase in phases],
            text=counts,
            textposition="auto",
            hovertemplate="%{x}: %{y} projects<extra></extra>",
        )
    )
    figure.update_layout(yaxis_title="Projects")
    return _chart(
        data,
        id="phase",
        title="Projects by phase",
        figure=figure,
        table=table(("phase", "projects"), rows=list(zip(phases, counts, strict=True)) if data.projects else []),
        metric_keys=("projects_by_phase",),
        empty_message="No projects match the filters.",
        height=280,
    )


def health_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = list(reversed(data.health))  # worst at the top of the heatmap
    columns = ["overall", *DIMENSION_LABELS]
    z, text, custom = [], [], []
    for row in rows:
        rags = [row.overall, *(row.dimensions.get(metric, "") for metric in DIMENSION_LABELS)]
        z.append([RAG_LEVEL.get(rag) for rag in rags])
        text.append([rag or "not assessed" for rag in rags])
        custom.append([project_url(row.pk)] * len(rags))
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=["Overall", *DIMENSION_LABELS.values()],
            y=[f"{row.code}" for row in rows],
            text=text,
            customdata=custom,
            zmin=0,
            zmax=2,
            colorscale=RAG_SCALE,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(yaxis={"type": "category"}, xaxis={"side": "top"})
    table_rows = [
        (row.code, row.name, row.overall, *(row.dimensions.get(metric, "") for metric in DIMENSION_LABELS))
        for row in data.health
    ]
    return _chart(
        data,
        id="health",
        title="Health of the worst projects (overall and four dimensions)",
        figure=figure,
        table=table(("project", "name", *columns), rows=table_rows),
        metric_keys=("overall_rag", "schedule_health", "cost_health", "risk_health", "issue_health"),
        empty_message="No project has a status report or computed health yet: submit status reports, budgets, "
        "risks and issues on the projects.",
        height=max(240, 60 + 22 * len(rows)),
        **_more(data, len(data.health), data.projects, "projects (worst first)"),
    )


# --- gates ----------------------------------------------------------------------------------------------------


def gate_decision_chart(data: PortfolioDashboardData) -> DashboardChart:
    gates = data.gates
    decisions = GateDecision.values
    rates = [gates.rate(decision) or 0.0 for decision in decisions]
    counts = [gates.counts.get(decision, 0) for decision in decisions]
    figure = go.Figure(
        go.Bar(
            x=[GateDecision(decision).label for decision in decisions],
            y=rates,
            text=[f"{rate:.0%} ({count})" for rate, count in zip(rates, counts, strict=True)],
            textposition="auto",
            marker_color=[DECISION_COLOURS[decision] for decision in decisions],
            customdata=[project_list_url(data.list_query)] * len(decisions),
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(yaxis={"tickformat": ".0%", "title": "Share of decisions"})
    rows = [(d, c, r) for d, c, r in zip(decisions, counts, rates, strict=True)] if gates.decided else []
    return _chart(
        data,
        id="gate-decisions",
        title=f"Gate decisions ({gates.decided} decided reviews)",
        figure=figure,
        table=table(("decision", "reviews", "rate"), rows=rows),
        metric_keys=("gate_throughput",),
        empty_message="No gate review has been decided on these projects yet.",
        height=280,
    )


def phase_time_chart(data: PortfolioDashboardData) -> DashboardChart:
    gates = data.gates
    phases = Phase.values
    labels = [Phase(phase).label for phase in phases]
    median = [gates.median_days.get(phase) for phase in phases]
    p85 = [gates.p85_days.get(phase) for phase in phases]
    urls = [project_list_url(data.list_query, phase=phase) for phase in phases]
    figure = go.Figure(
        [
            go.Bar(name="Median", x=labels, y=median, customdata=urls, marker_color="#0d6efd"),
            go.Bar(name="85th percentile", x=labels, y=p85, customdata=urls, marker_color="#6ea8fe"),
        ]
    )
    figure.update_layout(barmode="group", yaxis_title="Days in phase")
    rows = [(p, m, q) for p, m, q in zip(phases, median, p85, strict=True) if m is not None]
    return _chart(
        data,
        id="phase-time",
        title="Time in each phase",
        figure=figure,
        table=table(("phase", "median_days", "p85_days"), rows=rows),
        metric_keys=("phase_duration",),
        empty_message="No phase history yet (projects' phase transitions).",
        height=280,
    )


# --- cost -----------------------------------------------------------------------------------------------------


def cost_chart(data: PortfolioDashboardData) -> DashboardChart:
    months = list(data.cost_series)
    planned = [data.cost_series[m].get("cost_planned") for m in months]
    actual = [data.cost_series[m].get("cost_actual") for m in months]
    earned = [data.cost_series[m].get("earned_value") for m in months]
    url = project_list_url(data.list_query)
    figure = go.Figure(
        [
            go.Scatter(name="Planned (PV)", x=months, y=planned, mode="lines+markers", customdata=[url] * len(months)),
            go.Scatter(name="Actual (AC)", x=months, y=actual, mode="lines+markers", customdata=[url] * len(months)),
            go.Scatter(name="Earned (EV)", x=months, y=earned, mode="lines+markers", customdata=[url] * len(months)),
        ]
    )
    last_actual = next(((m, a) for m, a in zip(reversed(months), reversed(actual), strict=True) if a is not None), None)
    if months and last_actual is not None:
        figure.add_trace(
            go.Scatter(
                name=f"Forecast (EAC {money(data.cost.forecast)})",
                x=[last_actual[0], months[-1]],
                y=[last_actual[1], data.cost.forecast],
                mode="lines+markers",
                line={"dash": "dash"},
                customdata=[url, url],
            )
        )
    figure.update_layout(yaxis_title="Cumulative cost", xaxis={"type": "category"})
    rows = [(m, p, a, e) for m, p, a, e in zip(months, planned, actual, earned, strict=True)]
    return _chart(
        data,
        id="cost",
        title="Cost: planned, actual, earned and forecast (S-curve)",
        figure=figure,
        table=table(("month", "planned_cumulative", "actual_cumulative", "earned_value"), rows=rows),
        metric_keys=("cost_curve", "cost_planned", "cost_actual", "earned_value", "eac_typical", "cpi", "spi"),
        empty_message="No budgets or cost entries on these projects yet.",
        note=f"Totals: BAC {money(data.cost.budget_at_completion)}, AC {money(data.cost.actual_cost)}, "
        f"EAC {money(data.cost.forecast)}, CPI {ratio_text(data.cost.cpi)}, SPI {ratio_text(data.cost.spi)}.",
    )


def utilization_chart(data: PortfolioDashboardData) -> DashboardChart:
    people = list(reversed(data.people))
    weeks = sorted({week["week"] for person in people for week in person.weeks})
    z, text = [], []
    for person in people:
        by_week = {week["week"]: week for week in person.weeks}
        row, labels = [], []
        for week in weeks:
            cell = by_week.get(week)
            value = _utilization(cell)
            row.append(value)
            labels.append("" if value is None else f"{value:.0%}{' over' if cell and cell['over'] else ''}")
        z.append(row)
        text.append(labels)
    url = project_list_url(data.list_query)
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=weeks,
            y=[person.name for person in people],
            text=text,
            texttemplate="%{text}",
            customdata=[[url] * len(weeks) for _ in people],
            zmin=0,
            zmax=1.5,
            colorscale=[[0, "#e7f1ff"], [0.6666, "#0d6efd"], [0.6667, "#dc3545"], [1, "#842029"]],
            colorbar={"title": "Forecast", "tickformat": ".0%"},
            xgap=1,
            ygap=1,
            hovertemplate="%{y}, week of %{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(yaxis={"type": "category"}, xaxis={"type": "category"})
    rows = [
        (
            person.name,
            week["week"],
            week["capacity"],
            week["planned"],
            week["actual"],
            week["forecast"],
            week["over"],
        )
        for person in data.people
        for week in person.weeks
    ]
    return _chart(
        data,
        id="utilization",
        title="Resource utilization (forecast, per person and week; over 100% in red)",
        figure=figure,
        table=table(("person", "week", "capacity_h", "planned", "actual", "forecast", "over_capacity"), rows=rows),
        metric_keys=("resource_utilization", "utilization_planned", "utilization_actual", "utilization_forecast"),
        empty_message="No capacity, allocations or time entries for the people on these projects yet.",
        height=max(240, 80 + 24 * len(people)),
        **_more(data, len(data.people), data.people_total, "people (most loaded first)"),
    )


def _utilization(cell: dict[str, Any] | None) -> float | None:
    if not cell:
        return None
    for key in ("forecast", "actual", "planned"):
        if cell.get(key) is not None:
            return float(cell[key])
    return None


# --- roadmap, benefits, value ---------------------------------------------------------------------------------


def _ms(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    days = (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days
    return max(days, 0) * 86_400_000


def roadmap_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = list(reversed(data.roadmap))
    codes = [row.code for row in rows]
    urls = [project_url(row.pk) for row in rows]
    baseline = go.Bar(
        name="Baseline",
        orientation="h",
        y=codes,
        base=[row.detail.get("baseline_start") for row in rows],
        x=[_ms(row.detail.get("baseline_start"), row.detail.get("baseline_end")) for row in rows],
        marker_color="#adb5bd",
        customdata=urls,
        hovertext=[f"baseline {row.detail.get('baseline_start')} to {row.detail.get('baseline_end')}" for row in rows],
        hovertemplate="%{y}: %{hovertext}<extra></extra>",
    )
    forecast = go.Bar(
        name="Forecast",
        orientation="h",
        y=codes,
        base=[row.detail.get("forecast_start") for row in rows],
        x=[_ms(row.detail.get("forecast_start"), row.detail.get("forecast_end")) for row in rows],
        marker_color=["#dc3545" if (row.value or 0) > 0 else "#198754" for row in rows],
        customdata=urls,
        width=0.4,
        hovertext=[
            f"forecast end {row.detail.get('forecast_end')} ({row.value or 0:+.0f} days, {row.detail.get('method')})"
            for row in rows
        ],
        hovertemplate="%{y}: %{hovertext}<extra></extra>",
    )
    markers: dict[str, dict[str, list[Any]]] = {}
    for row in rows:
        for milestone in row.extra.get("milestone_status", {}).get("detail", {}).get("milestones", []):
            if milestone.get("due"):
                series = markers.setdefault(milestone["status"], {"x": [], "y": [], "text": [], "url": []})
                series["x"].append(milestone["due"])
                series["y"].append(row.code)
                series["text"].append(milestone["name"])
                series["url"].append(project_url(row.pk))
    traces: list[Any] = [baseline, forecast]
    for status, series in markers.items():
        traces.append(
            go.Scatter(
                name=f"Milestone {status.replace('_', ' ')}",
                x=series["x"],
                y=series["y"],
                text=series["text"],
                customdata=series["url"],
                mode="markers",
                marker={"symbol": "diamond", "size": 10, "color": MILESTONE_COLOURS.get(status, "#6c757d")},
                hovertemplate="%{y} %{text}: %{x}<extra></extra>",
            )
        )
    figure = go.Figure(traces)
    figure.update_layout(barmode="overlay", xaxis={"type": "date"}, yaxis={"type": "category"})
    table_rows = [
        (
            row.code,
            row.detail.get("baseline_start"),
            row.detail.get("baseline_end"),
            row.detail.get("forecast_end"),
            row.value,
        )
        for row in data.roadmap
    ]
    return _chart(
        data,
        id="roadmap",
        title="Roadmap: baseline vs forecast finish, milestones (most slipped first)",
        figure=figure,
        table=table(("project", "start", "baseline_end", "forecast_end", "slip_days"), rows=table_rows),
        metric_keys=("schedule_slip", "milestone_status", "spi"),
        empty_message="No project has a target end date yet (set it on the project).",
        height=max(260, 80 + 26 * len(rows)),
        **_more(data, len(data.roadmap), data.roadmap_total, "projects with a target end (most slipped first)"),
    )


def benefit_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = data.benefits
    codes = [row.code for row in rows]
    urls = [project_url(row.pk) for row in rows]
    figure = go.Figure(
        [
            go.Bar(name="Planned to date", x=codes, y=[row.detail.get("planned") for row in rows], customdata=urls),
            go.Bar(name="Realized to date", x=codes, y=[row.detail.get("realized") for row in rows], customdata=urls),
        ]
    )
    figure.update_layout(barmode="group", xaxis={"type": "category"})
    totals = data.benefit_totals
    return _chart(
        data,
        id="benefits",
        title=f"Benefit realization (all projects: {percent(totals.realization)})",
        figure=figure,
        table=table(
            ("project", "planned_to_date", "realized_to_date", "realization"),
            rows=[(r.code, r.detail.get("planned"), r.detail.get("realized"), r.value) for r in rows],
        ),
        metric_keys=("benefit_realization_rollup", "benefit_realization"),
        empty_message="No benefit measurements with a planned value yet.",
    )


def mobilize_chart(data: PortfolioDashboardData) -> DashboardChart:
    stats = data.mobilize
    url = project_list_url(data.list_query)
    x = [f"{start}-{start + selectors.MOBILIZE_BIN_DAYS - 1}" for start, _ in stats.bins]
    figure = go.Figure(
        go.Bar(
            x=x,
            y=[count for _, count in stats.bins],
            customdata=[url] * len(x),
            marker_color="#6f42c1",
            hovertemplate="%{x} days: %{y} projects<extra></extra>",
        )
    )
    figure.update_layout(xaxis={"type": "category", "title": "Days from ideation to start"}, yaxis_title="Projects")
    return _chart(
        data,
        id="mobilize",
        title=f"Time to mobilize (median {days_text(stats.median)}, 85th percentile {days_text(stats.p85)})",
        figure=figure,
        table=table(("days_from", "projects"), rows=list(stats.bins)),
        metric_keys=("time_to_mobilize", "time_to_mobilize_summary"),
        empty_message="No project has a start date yet (set it on the project).",
        height=280,
    )


def roi_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = data.roi
    realized = [row.extra.get("realized_roi", {}).get("value") for row in rows]
    figure = go.Figure(
        go.Scatter(
            x=[row.value for row in rows],
            y=realized,
            text=[row.code for row in rows],
            mode="markers+text",
            textposition="top center",
            customdata=[project_url(row.pk) for row in rows],
            marker={"size": 10, "color": "#20c997"},
            hovertemplate="%{text}: expected %{x:.0%}, realized %{y:.0%}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"tickformat": ".0%", "title": "Expected ROI"}, yaxis={"tickformat": ".0%", "title": "Realized ROI"}
    )
    return _chart(
        data,
        id="roi",
        title="Expected vs realized ROI",
        figure=figure,
        table=table(
            ("project", "expected_roi", "realized_roi"),
            rows=[(row.code, row.value, value) for row, value in zip(rows, realized, strict=True)],
        ),
        metric_keys=("expected_roi", "realized_roi"),
        empty_message="No charter has an expected benefit and cost (the value case) yet.",
        **_more(data, len(rows), data.roi_total, "projects with a value case (largest cost first)"),
    )


def balance_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = data.balance
    values = [row.extra.get("expected_roi", {}).get("detail", {}).get("expected_benefit") or 0.0 for row in rows]
    risks = [row.extra.get("risk_exposure", {}).get("value") or 0.0 for row in rows]
    costs = [float(row.detail.get("bac") or 0.0) for row in rows]
    largest = max(costs, default=1.0) or 1.0
    rags = [row.extra.get("overall_rag", {}).get("detail", {}).get("rag", "") for row in rows]
    figure = go.Figure(
        go.Scatter(
            x=values,
            y=risks,
            text=[row.code for row in rows],
            mode="markers",
            customdata=[project_url(row.pk) for row in rows],
            marker={
                "size": [8 + 40 * (cost / largest) ** 0.5 for cost in costs],
                "color": [RAG_COLOURS.get(rag, RAG_COLOURS[""]) for rag in rags],
                "opacity": 0.7,
                "line": {"width": 1, "color": "#495057"},
            },
            hovertemplate="%{text}: value %{x:,.0f}, risk %{y:.1f}<extra></extra>",
        )
    )
    figure.update_layout(xaxis_title="Expected benefit (value)", yaxis_title="Risk exposure")
    return _chart(
        data,
        id="balance",
        title="Portfolio balance: value x risk (size = budget)",
        figure=figure,
        table=table(
            ("project", "expected_benefit", "risk_exposure", "budget_at_completion", "overall_rag"),
            rows=list(zip([r.code for r in rows], values, risks, costs, rags, strict=True)),
        ),
        metric_keys=("risk_exposure", "expected_roi", "cost_planned"),
        empty_message="No project has a budget yet.",
        **_more(data, len(rows), data.balance_total, "projects with a budget (largest first)"),
    )


def portfolio_charts(data: PortfolioDashboardData) -> list[DashboardChart]:
    return [
        status_chart(data),
        phase_chart(data),
        health_chart(data),
        gate_decision_chart(data),
        phase_time_chart(data),
        cost_chart(data),
        utilization_chart(data),
        roadmap_chart(data),
        benefit_chart(data),
        mobilize_chart(data),
        roi_chart(data),
        balance_chart(data),
    ]


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
