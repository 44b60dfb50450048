"""The scrum dashboard's charts: ``Chart`` objects (figure, table, empty state, notes) and KPIs built from a team's
snapshots (``scrum.TeamSnapshots``).

Pure functions of the snapshot rows, testable without a database; the Plotly figures themselves come from
``scrum_figures``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from metrics.charts import Chart, Table
from metrics.dashboards.scrum import EmptyLinks, TeamSnapshots
from metrics.dashboards.scrum_figures import (
    burndown_figure,
    burnup_figure,
    forecast_figure,
    grouped_bars,
    line_figure,
    mood_figure,
    say_do_figure,
    velocity_figure,
)
from metrics.formulas.registry import METRICS, MetricSpec
from metrics.scrum.models import Sprint, Team
from metrics.snapshots.models import MetricSnapshot
from portal.formats import COUNT, PERCENT, POINTS, RATIO

#: Figures the scrum dashboard shows that the registry does not describe.
SCRUM_SPECS: dict[str, MetricSpec] = {
    "open_defects": MetricSpec(
        key="open_defects",
        label="Open defects",
        scope="scrum",
        unit="count",
        formula="The team's defects neither done nor cancelled, now",
        inputs=("work items of type defect and their state group",),
        function=len,
    ),
}


@dataclass
class ScrumChart(Chart):
    """A chart whose "how is this computed" panel also knows the scrum-only figures."""

    @property
    def specs(self) -> list[MetricSpec]:
        found = (METRICS.get(key) or SCRUM_SPECS.get(key) for key in self.metric_keys)
        return [spec for spec in found if spec is not None]


def _sprint_days_table(detail: dict[str, Any]) -> Table:
    columns = ("day", "working_day", "scope", "completed", "remaining", "ideal", "scope_change")
    units = dict.fromkeys(("scope", "completed", "remaining", "ideal", "scope_change"), POINTS)
    return Table(columns=columns, rows=[[row[c] for c in columns] for row in detail["days"]], units=units)


def _drill(team: Team, sprint_id: int) -> str:
    return f"{reverse('team-dashboard', args=[team.pk])}?sprint={sprint_id}#chart-burndown"


def _computed_at(*rows: MetricSnapshot | None) -> datetime.datetime | None:
    return max((row.computed_at for row in rows if row is not None), default=None)


def _not_computed(data: TeamSnapshots) -> str:
    return "" if data.computed else " The team's metrics have not been computed yet."


def sprint_chart(data: TeamSnapshots, metric: str, links: EmptyLinks, prefix: str = "") -> ScrumChart:
    """Burndown or burnup of the selected sprint."""
    title = {"burndown": "Burndown", "burnup": "Burnup"}[metric]
    sprint = data.selected
    row = data.of_sprint(metric, sprint) if sprint else None
    chart = ScrumChart(
        id=f"{prefix}{metric}",
        title=f"{title} · {sprint.name}" if sprint else title,
        figure=None,
        table=Table(columns=()),
        metric_keys=(metric,),
        computed_at=_computed_at(row),
        empty_url=links.sprint_create,
        empty_label="Plan a sprint",
    )
    if sprint is None:
        chart.empty_message = "No sprint has started yet: plan one, add items to it and start it."
    elif row is None or not row.detail.get("days"):
        reason = (row.detail.get("reason") if row else "") or f"Sprint {sprint.name} has no {title.lower()} yet."
        chart.empty_message = reason + _not_computed(data)
        chart.empty_url, chart.empty_label = links.item_create, "Add a work item"
    else:
        chart.csv_url = f"{reverse('team-dashboard', args=[data.team.pk])}?csv={metric}&sprint={sprint.pk}"
        builder = burndown_figure if metric == "burndown" else burnup_figure
        chart.figure = builder(row.detail)
        chart.table = _sprint_days_table(row.detail)
        if metric == "burndown":
            chart.note = (
                f"Ideal line fixed at the initial commitment ({row.detail.get('initial_commitment') or 0:g} points), "
                "declining on working days; shaded: non-working days; triangles: scope change that day."
            )
        if sprint.reopen_count:
            chart.note += " This sprint was reopened: the chart stays as it was at its first close."
    return chart


def _velocity_series(data: TeamSnapshots) -> list[dict[str, Any]]:
    row = data.get("rolling_velocity")
    return list(row.detail.get("series", [])) if row else []


def velocity_chart(data: TeamSnapshots, links: EmptyLinks, prefix: str = "") -> ScrumChart:
    series = _velocity_series(data)
    velocity = data.get("velocity")
    chart = ScrumChart(
        id=f"{prefix}velocity",
        title="Velocity: committed vs completed",
        figure=velocity_figure(series, [_drill(data.team, r["sprint"]) for r in series]) if series else None,
        table=Table(
            columns=("sprint", "committed", "completed", "rolling_velocity"),
            units=dict.fromkeys(("committed", "completed", "rolling_velocity"), POINTS),
            rows=[[r["name"], r["commitment"], r["completed"], r["rolling"]] for r in series],
        ),
        metric_keys=("commitment", "completed", "velocity", "rolling_velocity"),
        computed_at=_computed_at(velocity, data.get("rolling_velocity")),
        empty_message="No sprint has closed yet: velocity counts closed sprints." + _not_computed(data),
        empty_url=links.team,
        empty_label="Close a sprint",
    )
    if velocity and velocity.value is not None:
        chart.note = f"Velocity (last {velocity.detail.get('window', 7)} closed sprints): {velocity.value:.1f} points."
    return chart


def _closed_sprint_rows(data: TeamSnapshots, metric: str) -> list[tuple[Sprint, MetricSnapshot]]:
    rows = []
    for sprint in data.started:
        row = data.of_sprint(metric, sprint)
        if row is not None:
            rows.append((sprint, row))
    return rows


def say_do_chart(data: TeamSnapshots, links: EmptyLinks) -> ScrumChart:
    rows = [(s, r) for s, r in _closed_sprint_rows(data, "say_do") if r.value is not None]
    points = [(s.name, float(r.value or 0), r.detail.get("band"), _drill(data.team, s.pk)) for s, r in rows]
    return ScrumChart(
        id="say-do",
        title="Estimation accuracy (say/do)",
        figure=say_do_figure(points) if points else None,
        table=Table(
            columns=("sprint", "say_do", "band"), rows=[[n, v, b] for n, v, b, _ in points], units={"say_do": PERCENT}
        ),
        metric_keys=("say_do", "say_do_band"),
        computed_at=_computed_at(*(r for _, r in rows)),
        empty_message="No started sprint with a commitment yet." + _not_computed(data),
        empty_url=links.item_create,
        empty_label="Add work items",
    )


def consistency_chart(data: TeamSnapshots, links: EmptyLinks) -> ScrumChart:
    series = [r for r in _velocity_series(data) if r.get("consistency") is not None]
    current = data.get("velocity_consistency")
    chart = ScrumChart(
        id="velocity-cv",
        title="Velocity consistency (CV)",
        figure=line_figure([r["name"] for r in series], [r["consistency"] for r in series], "CV", "stdev / mean")
        if series
        else None,
        table=Table(
            columns=("sprint", "coefficient_of_variation"),
            rows=[[r["name"], r["consistency"]] for r in series],
            units={"coefficient_of_variation": RATIO},
        ),
        metric_keys=("velocity_consistency",),
        computed_at=_computed_at(current),
        empty_message="Needs at least two closed sprints with points done." + _not_computed(data),
        empty_url=links.team,
        empty_label="Close a sprint",
    )
    if current and current.value is not None:
        chart.note = f"Now: {current.value:.2f} (lower is steadier)."
    return chart


def defects_chart(data: TeamSnapshots, links: EmptyLinks) -> ScrumChart:
    escaped = dict((s.pk, r.value) for s, r in _closed_sprint_rows(data, "escaped_defects"))
    logged = dict((s.pk, r.value) for s, r in _closed_sprint_rows(data, "logged_defects"))
    sprints = [s for s in data.started if escaped.get(s.pk) or logged.get(s.pk)]
    open_defects = data.get("open_defects")
    names = [s.name for s in sprints]
    chart = ScrumChart(
        id="defects",
        title="Escaped and logged defects",
        figure=grouped_bars(
            names,
            [
                ("Escaped", [escaped.get(s.pk) for s in sprints], "#dc3545"),
                ("Logged (open at sprint end)", [logged.get(s.pk) for s in sprints], "#fd7e14"),
            ],  # fmt: skip
            "defects",
        )
        if sprints
        else None,
        table=Table(
            columns=("sprint", "escaped", "logged"),
            units={"escaped": COUNT, "logged": COUNT},
            rows=[[s.name, escaped.get(s.pk), logged.get(s.pk)] for s in sprints],
        ),
        metric_keys=("escaped_defects", "escape_rate", "logged_defects", "open_defects"),
        computed_at=_computed_at(open_defects),
        empty_message="No defect escaped or was left open at a sprint's end." + _not_computed(data),
        empty_url=links.item_create,
        empty_label="Log a defect",
    )
    rate = data.get("escape_rate")
    parts = []
    if open_defects is not None and open_defects.value is not None:
        parts.append(f"Open defects now: {open_defects.value:.0f}.")
    if rate is not None and rate.value is not None:
        parts.append(f"Escape rate: {rate.value:.0%} of {rate.detail.get('defects', 0)} defects.")
    chart.note = " ".join(parts)
    return chart


def retro_chart(data: TeamSnapshots, links: EmptyLinks) -> ScrumChart:
    rows = [(s, r) for s, r in _closed_sprint_rows(data, "process_refinement") if r.detail.get("raised")]
    return ScrumChart(
        id="retro",
        title="Retrospective actions",
        figure=grouped_bars(
            [s.name for s, _ in rows],
            [
                ("Raised", [r.detail["raised"] for _, r in rows], "#6c757d"),
                ("Closed by the next retrospective", [r.detail["closed_by_next_retro"] for _, r in rows], "#198754"),
            ],  # fmt: skip
            "actions",
        )
        if rows
        else None,
        table=Table(
            columns=("sprint", "raised", "closed", "closed_by_next_retro", "process_refinement"),
            units={"raised": COUNT, "closed": COUNT, "closed_by_next_retro": COUNT, "process_refinement": PERCENT},
            rows=[
                [s.name, r.detail["raised"], r.detail["closed"], r.detail["closed_by_next_retro"], r.value]
                for s, r in rows
            ],
        ),
        metric_keys=("process_refinement",),
        computed_at=_computed_at(*(r for _, r in rows)),
        empty_message="No retrospective action raised yet." + _not_computed(data),
        empty_url=links.retro_add,
        empty_label="Add a retrospective action",
    )


def mood_chart(data: TeamSnapshots, links: EmptyLinks) -> ScrumChart:
    rows = [(s, r) for s, r in _closed_sprint_rows(data, "motivation") if r.detail.get("responses")]
    distributions = [r.detail.get("distribution", {}) for _, r in rows]
    return ScrumChart(
        id="mood",
        title="Team mood",
        figure=mood_figure([s.name for s, _ in rows], [r.value for _, r in rows], distributions) if rows else None,
        table=Table(
            columns=("sprint", "average", "votes", "1", "2", "3", "4", "5"),
            units={"average": "mood 1-5", "votes": COUNT, **dict.fromkeys("12345", COUNT)},
            rows=[
                [s.name, r.value, r.detail["responses"], *(d.get(k, 0) for k in "12345")]
                for (s, r), d in zip(rows, distributions, strict=True)
            ],
        ),
        metric_keys=("motivation",),
        computed_at=_computed_at(*(r for _, r in rows)),
        empty_message="No mood vote yet." + _not_computed(data),
        empty_url=links.mood_vote,
        empty_label="Vote on the mood",
    )


def forecast_chart(data: TeamSnapshots, links: EmptyLinks) -> ScrumChart:
    row = data.get("delivery_forecast")
    ready = row is not None and row.detail.get("p50_sprints") is not None
    levels = ("p50", "p85", "p95")
    chart = ScrumChart(
        id="forecast",
        title="Delivery forecast (Monte Carlo)",
        figure=forecast_figure(row.detail) if ready and row else None,
        table=Table(
            columns=("confidence", "sprints", "date"),
            units={"sprints": COUNT},
            rows=[[lvl.upper(), row.detail.get(f"{lvl}_sprints"), row.detail.get(f"{lvl}_date")] for lvl in levels]
            if ready and row
            else [],
        ),
        metric_keys=("delivery_forecast",),
        computed_at=_computed_at(row),
        empty_message=(row.detail.get("reason", "") if row else "Not computed yet.") + _not_computed(data),
        empty_url=links.team,
        empty_label="Close more sprints",
    )
    if ready and row:
        chart.note = (
            f"{row.detail['remaining_points']:g} points left; {row.detail['trials']:,} trials over "
            f"{row.detail['sprints_sampled']} sprints of {row.detail['sprint_length_days']} days."
        )
    return chart


def team_charts(data: TeamSnapshots, links: EmptyLinks) -> list[ScrumChart]:
    return [
        sprint_chart(data, "burndown", links),
        sprint_chart(data, "burnup", links),
        velocity_chart(data, links),
        say_do_chart(data, links),
        consistency_chart(data, links),
        defects_chart(data, links),
        retro_chart(data, links),
        mood_chart(data, links),
        forecast_chart(data, links),
    ]


def delivery_charts(data: TeamSnapshots, links: EmptyLinks) -> list[ScrumChart]:
    """The project page's key charts of one team: velocity and the current sprint's burndown. Ids are prefixed
    with the team so several teams fit on one page; CSV comes from the team's page."""
    prefix = f"team-{data.team.pk}-"
    charts = [velocity_chart(data, links, prefix), sprint_chart(data, "burndown", links, prefix)]
    charts[0].csv_url = f"{reverse('team-dashboard', args=[data.team.pk])}?csv=velocity"
    return charts


@dataclass(frozen=True)
class Kpi:
    """A headline figure and the complete period it describes ("Say/do · Sprint 10")."""

    label: str
    value: str
    hint: str = ""
    period: str = ""

    @property
    def caption(self) -> str:
        return f"{self.label} · {self.period}" if self.period else self.label


def _number(row: MetricSnapshot | None, pattern: str = "{:.1f}") -> str:
    return "n/a" if row is None or row.value is None else pattern.format(row.value)


def last_closed_sprint(data: TeamSnapshots) -> tuple[int, str] | None:
    """The last closed sprint the team-level figures cover (by first close), as (id, name); None before any close.

    Headlines take their sprint figures from it, never from the sprint in progress."""
    series = _velocity_series(data)
    if not series:
        return None
    last = series[-1]
    return int(last["sprint"]), str(last["name"])


def _say_do_kpi(data: TeamSnapshots, closed: tuple[int, str] | None) -> Kpi:
    if closed is None:
        return Kpi("Say/do", "n/a", "no sprint closed yet")
    sprint_id, name = closed
    sprint = next((s for s in data.sprints if s.pk == sprint_id), None)
    row = data.of_sprint("say_do", sprint) if sprint else None
    value = row.value if row else next((r.get("say_do") for r in reversed(_velocity_series(data))), None)
    band = row.detail.get("band") if row else None
    hint = "last closed sprint" + (f" · {band}" if band else "")
    return Kpi("Say/do", "n/a" if value is None else f"{value:.0%}", hint, name)


def team_kpis(data: TeamSnapshots) -> list[Kpi]:
    """The figures read first, each of complete periods: velocity and say/do of the closed sprints (to the last
    one, named), consistency, open defects now, forecast. The sprint in progress is in the charts only."""
    closed = last_closed_sprint(data)
    period = closed[1] if closed else ""
    velocity = data.get("velocity")
    window = velocity.detail.get("window", 7) if velocity else 7
    forecast = data.get("delivery_forecast")
    return [
        Kpi("Velocity", _number(velocity), f"points per sprint, mean of the last {window} closed", period),
        _say_do_kpi(data, closed),
        Kpi("Velocity CV", _number(data.get("velocity_consistency"), "{:.2f}"), "lower is steadier", period),
        Kpi("Open defects", _number(data.get("open_defects"), "{:.0f}"), "not done nor cancelled", "now"),
        Kpi(
            "Done by (P85)",
            (forecast.detail.get("p85_date") or "n/a") if forecast else "n/a",
            "Monte Carlo forecast of the open backlog",
        ),
    ]
