"""Figure builders of the portfolio dashboard: roadmap, benefits, time to mobilize, ROI and portfolio balance."""

from __future__ import annotations

import datetime
from typing import Any

import plotly.graph_objects as go

from metrics.charts import RAG_COLOURS, integer_axis
from metrics.dashboards.common import DashboardChart, days_text, money, percent, project_list_url, project_url, table
from metrics.dashboards.portfolio.base import MILESTONE_COLOURS, more_link, portfolio_chart
from metrics.dashboards.portfolio.data import PortfolioDashboardData
from metrics.portfolio_inputs import selectors
from portal.formats import MONEY, SCORE, money_hover, with_unit

# --- roadmap, benefits, value ---------------------------------------------------------------------------------


def _ms(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    days = (datetime.date.fromisoformat(end) - datetime.date.fromisoformat(start)).days
    return max(days, 0) * 86_400_000


def _roadmap_bars(rows: list[selectors.ProjectValue]) -> list[go.Bar]:
    """Baseline and forecast spans overlaid per project: the forecast bar, thinner, is red when it slips."""
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
    return [baseline, forecast]


def _milestone_markers(rows: list[selectors.ProjectValue]) -> list[go.Scatter]:
    """One marker series per milestone status (so the legend reads by status), at each dated milestone's due day."""
    markers: dict[str, dict[str, list[Any]]] = {}
    for row in rows:
        for milestone in row.extra.get("milestone_status", {}).get("detail", {}).get("milestones", []):
            if milestone.get("due"):
                series = markers.setdefault(milestone["status"], {"x": [], "y": [], "text": [], "url": []})
                series["x"].append(milestone["due"])
                series["y"].append(row.code)
                series["text"].append(milestone["name"])
                series["url"].append(project_url(row.pk))
    return [
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
        for status, series in markers.items()
    ]


def roadmap_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = list(reversed(data.roadmap))
    traces: list[Any] = [*_roadmap_bars(rows), *_milestone_markers(rows)]
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
    return portfolio_chart(
        data,
        id="roadmap",
        title="Roadmap: baseline vs forecast finish, milestones (most slipped first)",
        figure=figure,
        table=table(("project", "start", "baseline_end", "forecast_end", "slip_days"), rows=table_rows),
        metric_keys=("schedule_slip", "milestone_status", "spi"),
        empty_message="No project has a target end date yet (set it on the project).",
        height=max(260, 80 + 26 * len(rows)),
        **more_link(data, len(data.roadmap), data.roadmap_total, "projects with a target end (most slipped first)"),
    )


def benefit_chart(data: PortfolioDashboardData) -> DashboardChart:
    rows = data.benefits
    codes = [row.code for row in rows]
    urls = [project_url(row.pk) for row in rows]
    hover = f"%{{x}}: {money_hover()}<extra>%{{fullData.name}}</extra>"
    figure = go.Figure(
        [
            go.Bar(name="Planned to date", x=codes, y=[row.detail.get("planned") for row in rows], customdata=urls,
                   hovertemplate=hover),
            go.Bar(name="Realized to date", x=codes, y=[row.detail.get("realized") for row in rows], customdata=urls,
                   hovertemplate=hover),
        ]
    )  # fmt: skip
    figure.update_layout(
        barmode="group",
        xaxis={"type": "category"},
        yaxis={"title": with_unit("Benefit to date", MONEY), "tickformat": ",.3~s", "rangemode": "tozero"},
    )
    totals = data.benefit_totals
    return portfolio_chart(
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
    last = [start + selectors.MOBILIZE_BIN_DAYS - 1 for start, _ in stats.bins]
    x = [f"{start}-{end}" for (start, _), end in zip(stats.bins, last, strict=True)]
    counts = [count for _, count in stats.bins]
    # Each bar opens the started projects mobilized within its days (both ends included): as many as it counts.
    urls = [
        project_list_url(data.list_query, mobilize_days_min=str(start), mobilize_days_max=str(end))
        for (start, _), end in zip(stats.bins, last, strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=x,
            y=counts,
            customdata=urls,
            text=counts,
            textposition="auto",
            marker_color="#6f42c1",
            hovertemplate="%{x} days: %{y} projects<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"type": "category", "title": "Days from ideation to start (days)"},
        yaxis=integer_axis("Projects", counts),
    )
    return portfolio_chart(
        data,
        id="mobilize",
        title=f"Time to mobilize (median {days_text(stats.median)}, 85th percentile {days_text(stats.p85)})",
        figure=figure,
        table=table(
            ("days_from", "days_to", "projects"), rows=[(s, e, n) for (s, n), e in zip(stats.bins, last, strict=True)]
        ),
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
    return portfolio_chart(
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
        **more_link(data, len(rows), data.roi_total, "projects with a value case (largest cost first)"),
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
            hovertext=[money(cost) for cost in costs],
            hovertemplate=f"%{{text}}: value {money_hover('x')}, risk %{{y:.1f}}, budget %{{hovertext}}<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"title": with_unit("Expected benefit", MONEY), "tickformat": ",.3~s"},
        yaxis={"title": with_unit("Risk exposure", SCORE)},
    )
    return portfolio_chart(
        data,
        id="balance",
        title="Portfolio balance: value x risk (size = budget)",
        figure=figure,
        table=table(
            ("project", "expected_benefit", "risk_exposure", "budget_at_completion", "overall_rag"),
            rows=list(zip([r.code for r in rows], values, risks, costs, rags, strict=True)),
        ),
        metric_keys=("risk_exposure", "expected_roi", "budget_at_completion"),
        empty_message="No project has a budget yet.",
        **more_link(data, len(rows), data.balance_total, "projects with a budget (largest first)"),
    )
