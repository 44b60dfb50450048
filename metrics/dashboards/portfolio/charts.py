"""Figure builders of the portfolio dashboard: counts and health, gates, cost and utilization; and
``portfolio_charts``, every chart of the page in order (the roadmap, benefit and value charts are in ``value``).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from django.template.defaultfilters import pluralize

from lifecycle.choices import RAG, GateDecision, Phase, ProjectState
from metrics.charts import RAG_COLOURS, integer_axis
from metrics.dashboards.common import (
    DashboardChart,
    days_text,
    money,
    project_list_url,
    project_url,
    ratio_text,
    table,
)
from metrics.dashboards.portfolio.base import (
    DECISION_COLOURS,
    DIMENSION_LABELS,
    RAG_SCALE,
    data_dates_text,
    more_link,
    portfolio_chart,
)
from metrics.dashboards.portfolio.data import RAG_LEVEL, PortfolioDashboardData
from metrics.dashboards.portfolio.value import balance_chart, benefit_chart, mobilize_chart, roadmap_chart, roi_chart
from metrics.formulas.bands import UTILIZATION_LIMIT
from metrics.portfolio_inputs.selectors import PhaseAges
from portal.formats import MONEY, money_hover, with_unit

# --- counts and health -----------------------------------------------------------------------------------------


def status_chart(data: PortfolioDashboardData) -> DashboardChart:
    """Projects by the overall RAG every page shows (the project column, a manager's override included); each bar
    opens the project list filtered to that RAG ("not assessed" included)."""
    ratings = [RAG.GREEN, RAG.YELLOW, RAG.RED, RAG.NOT_ASSESSED]
    counts = [data.status.get(rag, 0) for rag in ratings]
    urls = [project_list_url(data.list_query, overall_rag=rag) for rag in ratings]
    figure = go.Figure(
        go.Bar(
            x=[str(rag.label) for rag in ratings],
            y=counts,
            marker_color=[RAG_COLOURS.get(rag.value, RAG_COLOURS[""]) for rag in ratings],
            customdata=urls,
            text=counts,
            textposition="auto",
            hovertemplate="%{x}: %{y} projects<extra></extra>",
        )
    )
    figure.update_layout(yaxis=integer_axis("Projects", counts))
    labels = [str(rag.label).lower() for rag in ratings]
    rows = [(label, count) for label, count in zip(labels, counts, strict=True)] if data.projects else []
    return portfolio_chart(
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
    figure.update_layout(yaxis=integer_axis("Projects", counts))
    return portfolio_chart(
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
    return portfolio_chart(
        data,
        id="health",
        title="Health of the worst projects (overall and four dimensions)",
        figure=figure,
        table=table(("project", "name", *columns), rows=table_rows),
        metric_keys=("overall_rag", "schedule_health", "cost_health", "risk_health", "issue_health"),
        empty_message="No project has a status report or computed health yet: submit status reports, budgets, "
        "risks and issues on the projects.",
        height=max(240, 60 + 22 * len(rows)),
        **more_link(data, len(data.health), data.projects, "projects (worst first)", listed=True),
    )


# --- gates ----------------------------------------------------------------------------------------------------


def gate_decision_chart(data: PortfolioDashboardData) -> DashboardChart:
    gates = data.gates
    decisions = GateDecision.values
    rates = [gates.rate(decision) or 0.0 for decision in decisions]
    counts = [gates.counts.get(decision, 0) for decision in decisions]
    projects = [data.gate_projects.get(decision, 0) for decision in decisions]
    figure = go.Figure(
        go.Bar(
            x=[GateDecision(decision).label for decision in decisions],
            y=rates,
            # The bar is the share of reviews; a click opens the projects behind them, whose number is shown too
            # (a project recycled twice has two reviews).
            text=[_decision_text(*values) for values in zip(rates, counts, projects, strict=True)],
            textposition="auto",
            marker_color=[DECISION_COLOURS[decision] for decision in decisions],
            customdata=[
                [project_list_url(data.list_query, gate_decision=decision), count]
                for decision, count in zip(decisions, projects, strict=True)
            ],
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(yaxis={"tickformat": ".0%", "title": "Share of decisions (%)", "rangemode": "tozero"})
    rows = list(zip(decisions, counts, projects, rates, strict=True)) if gates.decided else []
    return portfolio_chart(
        data,
        id="gate-decisions",
        title=f"Gate decisions ({gates.decided} decided reviews)",
        figure=figure,
        table=table(("decision", "reviews", "projects", "rate"), rows=rows),
        metric_keys=("gate_throughput",),
        empty_message="No gate review has been decided on these projects yet.",
        height=280,
    )


def _decision_text(rate: float, reviews: int, projects: int) -> str:
    return f"{rate:.0%} ({reviews} review{pluralize(reviews)}, {projects} project{pluralize(projects)})"


def phase_time_chart(data: PortfolioDashboardData) -> DashboardChart:
    """Median and 85th percentile days over completed phases; the phases in progress apart, with their age."""
    gates = data.gates
    phases = Phase.values
    labels = [Phase(phase).label for phase in phases]
    median = [gates.median_days.get(phase) for phase in phases]
    p85 = [gates.p85_days.get(phase) for phase in phases]
    ages = [gates.in_progress.get(phase, PhaseAges()) for phase in phases]
    # Only the "in progress" marks link (to the active projects in that phase, as many as they count); the bars
    # are durations of phases already left, which no project list holds.
    urls = [
        [project_list_url(data.list_query, phase=phase, state=ProjectState.ACTIVE), age.projects]
        for phase, age in zip(phases, ages, strict=True)
    ]
    completed = [gates.completed.get(phase, 0) for phase in phases]
    figure = go.Figure(
        [
            go.Bar(
                name="Median (completed)",
                x=labels,
                y=median,
                text=completed,
                marker_color="#0d6efd",
                texttemplate="%{y:.0f}",
                hovertemplate="%{x}: median %{y:.0f} days over %{text} completed<extra></extra>",
            ),
            go.Bar(
                name="85th percentile (completed)",
                x=labels,
                y=p85,
                text=completed,
                marker_color="#6ea8fe",
                texttemplate="%{y:.0f}",
                hovertemplate="%{x}: 85th percentile %{y:.0f} days over %{text} completed<extra></extra>",
            ),
            go.Scatter(
                name="In progress: median age",
                x=labels,
                y=[age.median_days for age in ages],
                text=[f"{age.projects} in progress, oldest {days_text(age.oldest_days)}" for age in ages],
                customdata=urls,
                mode="markers",
                marker={"symbol": "diamond-open", "size": 11, "color": "#fd7e14"},
                hovertemplate="%{x}: median age %{y:.0f} d (%{text})<extra></extra>",
            ),
        ]
    )
    figure.update_layout(barmode="group", yaxis={"title": "Days in phase (days)", "rangemode": "tozero"})
    rows = [
        (phase, gates.completed.get(phase, 0), m, q, age.projects, age.median_days, age.oldest_days)
        for phase, m, q, age in zip(phases, median, p85, ages, strict=True)
        if m is not None or age.projects
    ]
    columns = ("phase", "completed_phases", "median_days", "p85_days", "in_progress", "in_progress_median_age_days",
               "in_progress_oldest_days")  # fmt: skip
    return portfolio_chart(
        data,
        id="phase-time",
        title="Time in each phase (completed phases; phases in progress apart)",
        figure=figure,
        table=table(columns, rows=rows),
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
    # No drill-down: a point is an amount, not a count of projects (the note and "how computed" name the sums).
    hover = f"%{{x}}: {money_hover()}<extra>%{{fullData.name}}</extra>"
    figure = go.Figure(
        [
            go.Scatter(name="Planned (PV)", x=months, y=planned, mode="lines+markers", hovertemplate=hover),
            go.Scatter(name="Actual (AC)", x=months, y=actual, mode="lines+markers", hovertemplate=hover),
            go.Scatter(name="Earned (EV)", x=months, y=earned, mode="lines+markers", hovertemplate=hover),
        ]
    )
    last_actual = next(((m, a) for m, a in zip(reversed(months), reversed(actual), strict=True) if a is not None), None)
    if months and last_actual is not None:
        figure.add_trace(
            go.Scatter(
                name=f"Forecast (sum of project EACs {money(data.cost.forecast)})",
                x=[last_actual[0], months[-1]],
                y=[last_actual[1], data.cost.forecast],
                mode="lines+markers",
                line={"dash": "dash"},
                hovertemplate=hover,
            )
        )
    figure.update_layout(
        yaxis={"title": with_unit("Cumulative cost", MONEY), "tickformat": ",.3~s", "rangemode": "tozero"},
        xaxis={"type": "category", "title": "Month"},
    )
    rows = [(m, p, a, e) for m, p, a, e in zip(months, planned, actual, earned, strict=True)]
    return portfolio_chart(
        data,
        id="cost",
        title="Cost: planned, actual, earned and forecast (S-curve)",
        figure=figure,
        table=table(("month", "planned_cumulative", "actual_cumulative", "earned_value"), rows=rows),
        metric_keys=(
            "cost_curve",
            "cost_planned",
            "cost_actual",
            "earned_value",
            "budget_at_completion",
            "forecast",
            "cpi",
            "spi",
        ),
        empty_message="No budgets or cost entries on these projects yet.",
        note=f"Totals ({data_dates_text(data.cost)}): BAC {money(data.cost.budget_at_completion)}, "
        f"PV {money(data.cost.planned_value)}, EV {money(data.cost.earned_value)}, AC {money(data.cost.actual_cost)}, "
        f"forecast {money(data.cost.forecast)} (sum of project EACs), CPI {ratio_text(data.cost.cpi)}, "
        f"SPI {ratio_text(data.cost.spi)}. Monthly lines run to today.",
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
            labels.append(_utilization_label(value))
        z.append(row)
        text.append(labels)
    figure = go.Figure(  # no drill-down: a cell is one person's week, which no project list holds
        go.Heatmap(
            z=z,
            x=weeks,
            y=[person.name for person in people],
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=1.5,
            colorscale=[[0, "#e7f1ff"], [0.6666, "#0d6efd"], [0.6667, "#dc3545"], [1, "#842029"]],
            colorbar={"title": "Forecast", "tickformat": ".0%"},
            xgap=1,
            ygap=1,
            hovertemplate="%{y}, week of %{x}: %{text}<extra></extra>",
        )
    )
    figure.update_layout(yaxis={"type": "category"}, xaxis={"type": "category", "title": "Week"})
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
    return portfolio_chart(
        data,
        id="utilization",
        title="Resource utilization (forecast, per person and week; over 100% in red)",
        figure=figure,
        table=table(
            (
                "person",
                "week",
                "capacity",
                "utilization_planned",
                "utilization_actual",
                "utilization_forecast",
                "over_capacity",
            ),
            rows=rows,
        ),
        metric_keys=("resource_utilization", "utilization_planned", "utilization_actual", "utilization_forecast"),
        empty_message="No capacity, allocations or time entries for the people on these projects yet.",
        height=max(240, 80 + 24 * len(people)),
        **more_link(data, len(data.people), data.people_total, "people (most loaded first)"),
    )


def _utilization_label(value: float | None) -> str:
    """The cell's text: "over" only above 100 % (exactly at capacity is not over)."""
    if value is None:
        return ""
    return f"{value:.0%}{' over' if value > UTILIZATION_LIMIT else ''}"


def _utilization(cell: dict[str, Any] | None) -> float | None:
    if not cell:
        return None
    for key in ("forecast", "actual", "planned"):
        if cell.get(key) is not None:
            return float(cell[key])
    return None


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
