"""Project dashboard: ``project_dashboard_data`` reads the project's snapshots and its governance rows (a
fixed number of queries); the builders turn them into ``Chart`` and ``Kpi`` objects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse

from lifecycle.choices import Phase
from lifecycle.models import GateAction, GateReview, Project
from metrics.charts import RAG_COLOURS, integer_axis
from metrics.dashboards.common import DashboardChart, Kpi, days_text, index_tone, money, percent, ratio_text, table
from metrics.dashboards.portfolio.base import MILESTONE_COLOURS
from metrics.deployments.models import ModelAlert
from metrics.deployments.selectors import project_open_alerts
from metrics.portfolio_inputs import selectors
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from metrics.snapshots.selectors import scope_update_pending
from portal.formats import COUNT, MONEY, PLOTLY_DATE_FORMAT, SCORE, money_hover, with_unit

RAG_ORDER = ["green", "yellow", "red"]


@dataclass
class ProjectDashboardData:
    project: Project
    snapshots: dict[str, dict[str, MetricSnapshot]]
    reviews: list[GateReview]
    conditions: list[GateAction]
    alerts: list[ModelAlert]
    today: datetime.date
    update_pending: bool = False  # an edit waits for its computation: the figures shown are about to change

    def current(self, metric: str) -> MetricSnapshot | None:
        return self.snapshots.get(metric, {}).get("")

    def value(self, metric: str) -> float | None:
        snapshot = self.current(metric)
        return None if snapshot is None else snapshot.value

    def detail(self, metric: str) -> dict[str, Any]:
        snapshot = self.current(metric)
        return {} if snapshot is None else snapshot.detail

    def periods(self, metric: str) -> list[MetricSnapshot]:
        """The metric's dated snapshots, in period order ('' left out)."""
        return [snapshot for period, snapshot in sorted(self.snapshots.get(metric, {}).items()) if period]

    @property
    def computed_at(self) -> datetime.datetime | None:
        snapshot = self.current("overall_rag")
        return None if snapshot is None else snapshot.computed_at

    @property
    def overdue_conditions(self) -> int:
        return sum(1 for action in self.conditions if action.is_overdue)


def project_dashboard_data(project: Project) -> ProjectDashboardData:
    """Snapshots (1 query), gate history (2), open conditions (1), open alerts (1), pending computation (1)."""
    from django.utils import timezone

    return ProjectDashboardData(
        project=project,
        snapshots=selectors.project_dashboard_snapshots(project),
        reviews=selectors.project_gate_history(project),
        conditions=selectors.project_open_conditions(project),
        alerts=list(project_open_alerts(project.pk)),
        today=timezone.localdate(),
        update_pending=scope_update_pending(ScopeType.PROJECT, project.pk),
    )


def _chart(data: ProjectDashboardData, **kwargs: Any) -> DashboardChart:
    kwargs.setdefault("computed_at", data.computed_at)
    kwargs.setdefault("empty_url", reverse("project-detail", args=[data.project.pk]))
    kwargs.setdefault("empty_label", "Go to the project")
    kwargs.setdefault("height", 280)
    return DashboardChart(**kwargs)


def rag_history_chart(data: ProjectDashboardData) -> DashboardChart:
    history = data.periods("overall_rag")
    months = [snapshot.period for snapshot in history]
    rags = [snapshot.detail.get("rag", "") for snapshot in history]
    figure = go.Figure(
        go.Scatter(
            x=months,
            y=rags,
            mode="lines+markers",
            line={"color": "#adb5bd", "shape": "hv"},
            marker={"size": 14, "color": [RAG_COLOURS.get(rag, RAG_COLOURS[""]) for rag in rags]},
            text=[snapshot.detail.get("as_of") for snapshot in history],
            customdata=[snapshot.detail.get("reported") or "none" for snapshot in history],
            hovertemplate="%{x}: %{y} (report of %{text}; the PM reported %{customdata})<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis={"type": "category"}, yaxis={"type": "category", "categoryorder": "array", "categoryarray": RAG_ORDER}
    )
    rows = [
        (s.period, s.detail.get("as_of"), s.detail.get("rag"), s.detail.get("reported"), s.detail.get("schedule"),
         s.detail.get("cost"), s.detail.get("risk"), s.detail.get("issues"), s.detail.get("overridden"))
        for s in history
    ]  # fmt: skip
    return _chart(
        data,
        id="rag-history",
        title="RAG history (worst dimension of each month's last report; this month: today's)",
        figure=figure,
        table=table(
            ("month", "as_of", "overall", "reported", "schedule", "cost", "risk", "issues", "overridden"), rows=rows
        ),
        metric_keys=("overall_rag",),
        empty_message="No status report yet: submit one from the project's inputs.",
    )


def cost_chart(data: ProjectDashboardData) -> DashboardChart:
    detail = data.detail("cost_curve")
    days = detail.get("days", [])
    traces = [
        go.Scatter(name="Planned (PV)", x=days, y=detail.get("planned", []), mode="lines+markers"),
        go.Scatter(name="Actual (AC)", x=days, y=detail.get("actual", []), mode="lines+markers"),
        go.Scatter(name="Earned (EV)", x=days, y=detail.get("earned", []), mode="lines+markers"),
    ]
    actual = [(day, value) for day, value in zip(days, detail.get("actual", []), strict=False) if value is not None]
    forecast = detail.get("forecast")
    if actual and forecast is not None and days:
        traces.append(
            go.Scatter(
                name=f"Forecast (EAC {money(forecast)})",
                x=[actual[-1][0], days[-1]],
                y=[actual[-1][1], forecast],
                mode="lines+markers",
                line={"dash": "dash"},
            )
        )
    figure = go.Figure(traces)
    figure.update_traces(hovertemplate=f"%{{x}}: {money_hover()}<extra>%{{fullData.name}}</extra>")
    figure.update_layout(
        yaxis={"title": with_unit("Cumulative cost", MONEY), "tickformat": ",.3~s", "rangemode": "tozero"},
        xaxis={"type": "date", "tickformat": PLOTLY_DATE_FORMAT},
    )
    rows = list(zip(days, detail.get("planned", []), detail.get("actual", []), detail.get("earned", []), strict=False))
    return _chart(
        data,
        id="project-cost",
        title="Cost and earned value (S-curve)",
        figure=figure,
        table=table(("day", "planned_cumulative", "actual_cumulative", "earned_value"), rows=rows),
        metric_keys=("cost_curve", "earned_value", "eac_typical", "cpi", "spi"),
        empty_message="No budget or cost entries yet: enter the budget per month and the costs.",
        height=320,
    )


def issue_chart(data: ProjectDashboardData) -> DashboardChart:
    detail = data.detail("issue_load")
    days = detail.get("days", [])
    figure = go.Figure(
        [
            go.Bar(name="Opened", x=days, y=detail.get("opened", []), marker_color="#dc3545"),
            go.Bar(name="Closed", x=days, y=detail.get("closed", []), marker_color="#198754"),
            go.Scatter(name="Open at day end", x=days, y=detail.get("open_at_end", []), mode="lines"),
        ]
    )
    counts = [*detail.get("opened", []), *detail.get("closed", []), *detail.get("open_at_end", [])]
    figure.update_layout(
        barmode="group",
        xaxis={"type": "date", "tickformat": PLOTLY_DATE_FORMAT},
        yaxis=integer_axis("Issues", counts),
    )
    rows = list(
        zip(days, detail.get("opened", []), detail.get("closed", []), detail.get("open_at_end", []), strict=False)
    )
    return _chart(
        data,
        id="issues",
        title="Issues opened / closed (last 90 days)",
        figure=figure,
        table=table(("day", "opened", "closed", "open_at_end"), rows=rows, units=dict.fromkeys(ISSUE_COUNTS, COUNT)),
        metric_keys=("issue_load", "issue_health", "issue_daily_series"),
        empty_message="No issues logged.",
    )


def risk_chart(data: ProjectDashboardData) -> DashboardChart:
    detail = data.detail("risk_exposure")
    labels = ["Open risks", "Open model alerts"]
    values = [detail.get("risk_exposure", 0.0), detail.get("alert_exposure", 0.0)]
    counts = [detail.get("open_risks", 0), detail.get("open_alerts", 0)]
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=values,
            text=[f"{value:.1f} ({count})" for value, count in zip(values, counts, strict=True)],
            textposition="auto",
            marker_color=["#fd7e14", "#6f42c1"],
        )
    )
    figure.update_layout(yaxis_title="Exposure (probability x impact)")
    has_data = data.current("risk_exposure") is not None and (sum(counts) > 0)
    return _chart(
        data,
        id="risks",
        title=f"Risk exposure {ratio_text(data.value('risk_exposure'))} ({detail.get('rag', 'n/a')})",
        figure=figure,
        table=table(
            ("source", "exposure", "open"),
            units={"exposure": SCORE, "open": COUNT},
            rows=list(zip(labels, values, counts, strict=True)) if has_data else [],
        ),
        metric_keys=("risk_exposure", "risk_health"),
        empty_message="No open risks or model alerts.",
    )


ISSUE_COUNTS = ("opened", "closed", "open_at_end")


def benefit_chart(data: ProjectDashboardData) -> DashboardChart:
    benefits = [item for item in data.detail("benefit_realization_rollup").get("benefits", []) if item.get("planned")]
    names = [item["name"] for item in benefits]
    hover = f"%{{x}}: {money_hover()}<extra>%{{fullData.name}}</extra>"
    figure = go.Figure(
        [
            go.Bar(name="Planned to date", x=names, y=[item["planned"] for item in benefits], hovertemplate=hover),
            go.Bar(name="Realized to date", x=names, y=[item["realized"] for item in benefits], hovertemplate=hover),
        ]
    )
    figure.update_layout(
        barmode="group",
        xaxis={"type": "category"},
        yaxis={"title": with_unit("Benefit to date", MONEY), "tickformat": ",.3~s", "rangemode": "tozero"},
    )
    rows = [(item["name"], item["planned"], item["realized"], item["realization"]) for item in benefits]
    return _chart(
        data,
        id="project-benefits",
        title=f"Benefits (realization {percent(data.value('benefit_realization_rollup'))})",
        figure=figure,
        table=table(("benefit", "planned_to_date", "realized_to_date", "realization"), rows=rows),
        metric_keys=("benefit_realization", "benefit_realization_rollup"),
        empty_message="No benefit measurements yet: add benefits and their planned and realized values.",
    )


def milestone_chart(data: ProjectDashboardData) -> DashboardChart:
    milestones = [item for item in data.detail("milestone_status").get("milestones", []) if item.get("due")]
    figure = go.Figure(
        go.Scatter(
            x=[item["due"] for item in milestones],
            y=[item["name"] for item in milestones],
            mode="markers",
            marker={
                "symbol": "diamond",
                "size": 14,
                "color": [MILESTONE_COLOURS.get(item["status"], "#6c757d") for item in milestones],
            },
            text=[item["status"].replace("_", " ") for item in milestones],
            hovertemplate="%{y}: due %{x} (%{text})<extra></extra>",
        )
    )
    figure.update_layout(xaxis={"type": "date", "tickformat": PLOTLY_DATE_FORMAT}, yaxis={"type": "category"})
    slip = data.detail("schedule_slip")
    if slip.get("baseline_end"):
        figure.add_vline(x=slip["baseline_end"], line_dash="dot", line_color="#6c757d")
    if slip.get("forecast_end") and slip.get("forecast_end") != slip.get("baseline_end"):
        figure.add_vline(x=slip["forecast_end"], line_dash="dash", line_color="#dc3545")
    return _chart(
        data,
        id="milestones",
        title=f"Milestones (baseline end {slip.get('baseline_end') or 'n/a'}, "
        f"forecast {slip.get('forecast_end') or 'n/a'})",
        figure=figure,
        table=table(
            ("milestone", "due", "done", "status"),
            rows=[(item["name"], item["due"], item["done"], item["status"]) for item in milestones],
        ),
        metric_keys=("milestone_status", "schedule_slip"),
        empty_message="No dated milestones in the charter.",
        empty_url=reverse("charter-detail", args=[data.project.pk]),
        empty_label="Open the charter",
    )


def phase_chart(data: ProjectDashboardData) -> DashboardChart:
    durations = data.snapshots.get("phase_duration", {})
    phases = [phase for phase in Phase.values if phase in durations]
    values = [durations[phase].value for phase in phases]
    figure = go.Figure(
        go.Bar(
            x=[Phase(phase).label for phase in phases],
            y=values,
            text=[
                days_text(value) + (" (current)" if durations[p].detail.get("current") else "")
                for p, value in zip(phases, values, strict=True)
            ],  # fmt: skip
            textposition="auto",
            marker_color="#0d6efd",
        )
    )
    figure.update_layout(yaxis={"title": "Days in phase (days)", "rangemode": "tozero"})
    return _chart(
        data,
        id="phase-durations",
        title="Time in each phase",
        figure=figure,
        table=table(("phase", "days"), rows=list(zip(phases, values, strict=True))),
        metric_keys=("phase_duration",),
        empty_message="Snapshots not computed yet for this project.",
    )


def project_charts(data: ProjectDashboardData) -> list[DashboardChart]:
    return [
        rag_history_chart(data),
        phase_chart(data),
        cost_chart(data),
        risk_chart(data),
        issue_chart(data),
        benefit_chart(data),
        milestone_chart(data),
    ]


def overall_rag_hint(detail: dict[str, Any]) -> str:
    """Beside the overall RAG: the override in force, the PM's reported RAG, and a flag when they differ."""
    parts = []
    if detail.get("overridden"):
        parts.append(f"overridden until {detail.get('override_until')}: {detail.get('reason')} "
                     f"(computed {detail.get('derived') or 'not assessed'})")  # fmt: skip
    reported = detail.get("reported") or ""
    parts.append(f"PM reported {reported}" if reported else "no status report")
    if detail.get("differs"):
        parts.append(f"differs from computed {detail.get('derived')}")
    return "; ".join(parts)


def project_kpis(data: ProjectDashboardData) -> list[Kpi]:
    at = data.computed_at
    overall = data.detail("overall_rag").get("rag") or ""
    overall_hint = overall_rag_hint(data.detail("overall_rag"))
    slip = data.value("schedule_slip")
    payback = data.value("payback_months")
    tones = {"green": "success", "yellow": "warning", "red": "danger"}
    return [
        Kpi("overall", "Overall RAG", overall or "not assessed", ("overall_rag",), at, tone=tones.get(overall, ""),
            hint=overall_hint),
        Kpi("spi", "SPI", ratio_text(data.value("spi")), ("spi",), at, tone=index_tone(data.value("spi"))),
        Kpi("cpi", "CPI", ratio_text(data.value("cpi")), ("cpi",), at, tone=index_tone(data.value("cpi"))),
        Kpi("eac", "EAC", money(data.value("eac_typical")), ("eac_typical", "etc", "vac"), at,
            hint=f"ETC {money(data.value('etc'))}, VAC {money(data.value('vac'))}"),
        Kpi("cv", "CV / SV", f"{money(data.value('cost_variance'))} / {money(data.value('schedule_variance'))}",
            ("cost_variance", "schedule_variance"), at),
        Kpi("slip", "Schedule slip", "n/a" if slip is None else f"{slip:+.0f} d", ("schedule_slip",), at),
        Kpi("roi", "Expected / realized ROI",
            f"{percent(data.value('expected_roi'))} / {percent(data.value('realized_roi'))}",
            ("expected_roi", "realized_roi"), at),
        Kpi("payback", "Payback", "n/a" if payback is None else f"{payback:.0f} months", ("payback_months",), at),
        Kpi("mobilize", "Time to mobilize", days_text(data.value("time_to_mobilize")), ("time_to_mobilize",), at),
    ]  # fmt: skip
