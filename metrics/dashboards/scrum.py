"""The scrum dashboard's reading side: a team's snapshots (``metrics.scrum.computers``) and which sprint to show.

``team_snapshots`` is the one read (a fixed number of queries, whatever the number of sprints); the charts built
from it live in ``scrum_charts`` (the dashboard's charts) over ``scrum_figures`` (the pure Plotly figures).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from metrics.scrum.choices import SprintState
from metrics.scrum.models import Sprint, Team
from metrics.scrum.selectors import sprint_period
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot

_SPRINT_CHART_METRICS = ("burndown", "burnup")


@dataclass
class TeamSnapshots:
    """A team's snapshots keyed by (metric, period), and its sprints oldest first."""

    team: Team
    sprints: list[Sprint]
    rows: dict[tuple[str, str], MetricSnapshot] = field(default_factory=dict)
    selected: Sprint | None = None

    def get(self, metric: str, period: str = "") -> MetricSnapshot | None:
        return self.rows.get((metric, period))

    def of_sprint(self, metric: str, sprint: Sprint) -> MetricSnapshot | None:
        return self.rows.get((metric, sprint_period(sprint.pk)))

    @property
    def started(self) -> list[Sprint]:
        return [sprint for sprint in self.sprints if sprint.started_at is not None]

    @property
    def computed(self) -> bool:
        return bool(self.rows)


def current_sprint(sprints: Sequence[Sprint]) -> Sprint | None:
    """The active sprint, else the last one that started (by planned start), else None."""
    active = [sprint for sprint in sprints if sprint.state == SprintState.ACTIVE]
    if active:
        return active[0]
    started = [sprint for sprint in sprints if sprint.started_at is not None]
    return started[-1] if started else None


def pick_sprint(sprints: Sequence[Sprint], wanted: str | None) -> Sprint | None:
    """The sprint asked for by ``?sprint=<pk>`` if it is the team's and has started, else the current one."""
    if wanted and wanted.isdigit():
        chosen = next((s for s in sprints if s.pk == int(wanted) and s.started_at is not None), None)
        if chosen is not None:
            return chosen
    return current_sprint(sprints)


def _sprint_chart_filter(periods: Iterable[str]) -> Q:
    """Every snapshot except burndown/burnup (large daily series), which are read only for ``periods``."""
    return ~Q(metric__in=_SPRINT_CHART_METRICS) | Q(period__in=list(periods))


def team_snapshots(team: Team, wanted_sprint: str | None = None) -> TeamSnapshots:
    """The team's sprints and snapshots: 2 queries."""
    sprints = list(Sprint.objects.filter(team=team).order_by("planned_start", "id"))
    selected = pick_sprint(sprints, wanted_sprint)
    periods = [sprint_period(selected.pk)] if selected else []
    rows = MetricSnapshot.objects.filter(scope_type=ScopeType.TEAM, scope_id=team.pk).filter(
        _sprint_chart_filter(periods)
    )
    data = TeamSnapshots(team=team, sprints=sprints, selected=selected)
    data.rows = {(row.metric, row.period): row for row in rows}
    return data


def teams_snapshots(teams: Sequence[Team]) -> list[TeamSnapshots]:
    """Several teams at once (the project's delivery section): 2 queries whatever the number of teams."""
    by_team: dict[int, TeamSnapshots] = {team.pk: TeamSnapshots(team=team, sprints=[]) for team in teams}
    for sprint in Sprint.objects.filter(team__in=list(by_team)).order_by("planned_start", "id"):
        by_team[sprint.team_id].sprints.append(sprint)
    periods = []
    for data in by_team.values():
        data.selected = current_sprint(data.sprints)
        if data.selected:
            periods.append(sprint_period(data.selected.pk))
    rows = MetricSnapshot.objects.filter(scope_type=ScopeType.TEAM, scope_id__in=list(by_team)).filter(
        _sprint_chart_filter(periods)
    )
    for row in rows:
        by_team[row.scope_id].rows[(row.metric, row.period)] = row
    return [by_team[team.pk] for team in teams]


@dataclass(frozen=True)
class EmptyLinks:
    """Where to enter what a chart misses (the team's forms)."""

    sprint_create: str = ""
    item_create: str = ""
    retro_add: str = ""
    mood_vote: str = ""
    team: str = ""
