"""Plotly figures of the scrum dashboard: pure functions of snapshot details (no database)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from metrics.charts import RAG_COLOURS, integer_axis
from metrics.formulas.bands import SAY_DO_BANDS

SAY_DO_COLOURS = {
    "poor": RAG_COLOURS["red"],
    "fair": RAG_COLOURS["yellow"],
    "good": "#20c997",
    "excellent": RAG_COLOURS["green"],
}
SHADE = "rgba(108, 117, 125, 0.15)"


def _shade_non_working(figure: go.Figure, days: Iterable[str]) -> None:
    """Shade each non-working day: a band centred on its point (points sit at the day's date)."""
    for day in days:
        middle = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time())
        figure.add_vrect(
            x0=(middle - datetime.timedelta(hours=12)).isoformat(sep=" "),
            x1=(middle + datetime.timedelta(hours=12)).isoformat(sep=" "),
            fillcolor=SHADE,
            line_width=0,
            layer="below",
        )


def _day_axis(figure: go.Figure) -> None:
    figure.update_xaxes(type="date", tickformat="%a %d %b", dtick=86_400_000)
    figure.update_yaxes(title_text="points", rangemode="tozero")


def burndown_figure(detail: dict[str, Any]) -> go.Figure:
    days = detail["days"]
    x = [row["day"] for row in days]
    figure = go.Figure()
    figure.add_scatter(x=x, y=[row["ideal"] for row in days], name="Ideal (initial commitment)", mode="lines",
                       line={"dash": "dash", "color": "#6c757d"})  # fmt: skip
    figure.add_scatter(x=x, y=[row["remaining"] for row in days], name="Remaining", mode="lines+markers",
                       line={"color": "#0d6efd"})  # fmt: skip
    remaining = {row["day"]: row["remaining"] for row in days}
    changes = detail.get("scope_changes", [])
    if changes:
        figure.add_scatter(
            x=[change["day"] for change in changes],
            y=[remaining.get(change["day"]) for change in changes],
            mode="markers+text",
            name="Scope change",
            text=[f"{change['points']:+g}" for change in changes],
            textposition="top center",
            marker={
                "size": 12,
                "color": ["#dc3545" if change["points"] > 0 else "#198754" for change in changes],
                "symbol": ["triangle-up" if change["points"] > 0 else "triangle-down" for change in changes],
            },
        )
    _shade_non_working(figure, detail.get("non_working_days", []))
    _day_axis(figure)
    return figure


def burnup_figure(detail: dict[str, Any]) -> go.Figure:
    days = detail["days"]
    x = [row["day"] for row in days]
    figure = go.Figure()
    figure.add_bar(x=x, y=[row["scope_change"] for row in days], name="Points added (net)", marker_color="#ffc107",
                   opacity=0.6)  # fmt: skip
    figure.add_scatter(x=x, y=[row["scope"] for row in days], name="Scope", mode="lines", line={"color": "#6f42c1"})
    figure.add_scatter(x=x, y=[row["completed"] for row in days], name="Completed", mode="lines+markers",
                       line={"color": "#198754"})  # fmt: skip
    _shade_non_working(figure, detail.get("non_working_days", []))
    _day_axis(figure)
    return figure


def velocity_figure(series: list[dict[str, Any]], links: list[str]) -> go.Figure:
    """Committed and completed bars per closed sprint (a click opens that sprint), rolling velocity line."""
    names = [row["name"] for row in series]
    figure = go.Figure()
    figure.add_bar(x=names, y=[row["commitment"] for row in series], name="Committed", marker_color="#adb5bd",
                   customdata=links)  # fmt: skip
    figure.add_bar(x=names, y=[row["completed"] for row in series], name="Completed", marker_color="#0d6efd",
                   customdata=links)  # fmt: skip
    figure.add_scatter(x=names, y=[row["rolling"] for row in series], name="Velocity (rolling average)",
                       mode="lines+markers", line={"color": "#fd7e14"})  # fmt: skip
    figure.update_layout(barmode="group")
    figure.update_yaxes(title_text="points", rangemode="tozero")
    return figure


def say_do_figure(rows: list[tuple[str, float, str | None, str]]) -> go.Figure:
    figure = go.Figure()
    figure.add_bar(
        x=[name for name, *_ in rows],
        y=[value * 100 for _, value, _, _ in rows],
        marker_color=[SAY_DO_COLOURS.get(band or "", "#adb5bd") for _, _, band, _ in rows],
        text=[band or "" for _, _, band, _ in rows],
        textangle=0,
        customdata=[link for *_, link in rows],
        name="Say/do",
    )
    for level, label in (
        (SAY_DO_BANDS.fair_at, "fair"),
        (SAY_DO_BANDS.good_at, "good"),
        (SAY_DO_BANDS.excellent_at, "excellent"),
    ):
        figure.add_hline(y=level * 100, line_dash="dot", line_color="#6c757d", annotation_text=f"{label} {level:.0%}",
                         annotation_position="top left")  # fmt: skip
    figure.update_yaxes(title_text="% of the initial commitment done", rangemode="tozero")
    return figure


def line_figure(x: list[str], y: list[float | None], name: str, axis: str, colour: str = "#0d6efd") -> go.Figure:
    figure = go.Figure()
    figure.add_scatter(x=x, y=y, name=name, mode="lines+markers", line={"color": colour})
    figure.update_yaxes(title_text=axis, rangemode="tozero")
    return figure


def grouped_bars(x: list[str], bars: list[tuple[str, list[float | None], str]], axis: str) -> go.Figure:
    """Bars of counts (defects, retrospective actions): whole-number ticks only."""
    figure = go.Figure()
    for name, values, colour in bars:
        figure.add_bar(x=x, y=values, name=name, marker_color=colour)
    figure.update_layout(barmode="group", yaxis=integer_axis(axis, [v for _, values, _ in bars for v in values]))
    return figure


def mood_figure(x: list[str], averages: list[float | None], distributions: list[dict[str, int]]) -> go.Figure:
    figure = go.Figure()
    colours = {"1": "#dc3545", "2": "#fd7e14", "3": "#ffc107", "4": "#20c997", "5": "#198754"}
    for mood in ("1", "2", "3", "4", "5"):
        figure.add_bar(x=x, y=[d.get(mood, 0) for d in distributions], name=f"Mood {mood}", marker_color=colours[mood])
    figure.add_scatter(x=x, y=averages, name="Average", mode="lines+markers", yaxis="y2", line={"color": "#212529"})
    figure.update_layout(
        barmode="stack",
        yaxis=integer_axis("votes", [sum(d.values()) for d in distributions]),
        yaxis2={"title": {"text": "average (1-5)"}, "overlaying": "y", "side": "right", "range": [1, 5]},
    )
    return figure


def forecast_figure(detail: dict[str, Any]) -> go.Figure:
    levels = ("p50", "p85", "p95")
    figure = go.Figure()
    figure.add_bar(
        y=[level.upper() for level in levels],
        x=[detail[f"{level}_sprints"] for level in levels],
        orientation="h",
        text=[detail[f"{level}_date"] or "beyond the horizon" for level in levels],
        textposition="auto",
        marker_color=["#198754", "#ffc107", "#dc3545"],
        name="Sprints needed",
    )
    figure.update_xaxes(title_text="sprints from now", rangemode="tozero")
    return figure
