"""Snapshot computer of the scrum area: every metric of one team, team-level and per sprint.

Periods: ``""`` holds the team-level figures (velocity, its trend and consistency, the delivery forecast, open
defects, escape rate); ``sprint-<pk>`` one sprint's (commitment, completed, say/do, scope change, burndown,
burnup, defects, process refinement, motivation).

Closed sprints are frozen: their summary figures and charts are written once with ``frozen=True`` at (or after)
the first close, and ``snapshots_upsert`` never rewrites a frozen row, so a reopened sprint keeps them. The
summary figures come from ``Sprint.summary`` (frozen by ``sprint_close``), the charts from the change log read
as of the first close. Figures that keep moving after a close by definition stay unfrozen: escaped defects are
found after release, process refinement waits for the next retrospective, late mood votes count.

Team-level figures are built by ``team_figures``. Queries: a fixed number per team (sprints, change log, defects,
retro actions, mood votes, backlog points, open defects), whatever the number of sprints or items.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from metrics.formulas import scrum as formulas
from metrics.formulas import sprint_charts
from metrics.formulas.bands import SAY_DO_BANDS
from metrics.scrum.adapters import as_formula_sprint, frozen_summary, sprint_key
from metrics.scrum.adapters import team_work_item_changes as team_changes
from metrics.scrum.choices import ItemType, StateGroup
from metrics.scrum.models import MoodVote, RetroAction, Sprint, Team, WorkItem
from metrics.scrum.selectors import sprint_period
from metrics.scrum.team_figures import FORECAST_SEED, team_values
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.detail import iso_or_none
from metrics.snapshots.registry import ScopeResult, SnapshotValue, snapshot_computer

__all__ = ["FORECAST_SEED", "sprint_period", "team_compute"]

_OPEN_STATES = (StateGroup.BACKLOG, StateGroup.TODO, StateGroup.IN_PROGRESS)


def _changes_by_sprint(changes: Sequence[formulas.WorkItemChange]) -> dict[str, list[formulas.WorkItemChange]]:
    """For each sprint key, the whole log of every item that was ever in it (what the formulas need)."""
    by_item: dict[str, list[formulas.WorkItemChange]] = defaultdict(list)
    sprints_of_item: dict[str, set[str]] = defaultdict(set)
    for change in changes:
        by_item[change.item].append(change)
        if change.sprint is not None:
            sprints_of_item[change.item].add(change.sprint)
    grouped: dict[str, list[formulas.WorkItemChange]] = defaultdict(list)
    for item, keys in sprints_of_item.items():
        for key in keys:
            grouped[key].extend(by_item[item])
    for key in grouped:  # log order (time, then insertion order) is what the replay expects
        grouped[key].sort(key=lambda change: change.at)
    return grouped


# --- per sprint ------------------------------------------------------------------------------------------------


def _summary(
    sprint: Sprint, changes: list[formulas.WorkItemChange], now: datetime.datetime
) -> formulas.SprintSummary | None:
    frozen = frozen_summary(sprint)
    if frozen is not None:
        return frozen
    if sprint.started_at is None:
        return None
    return formulas.sprint_summary(changes, as_formula_sprint(sprint), as_of=now)


def _chart_detail(
    sprint: Sprint, changes: list[formulas.WorkItemChange], today: datetime.date
) -> tuple[dict[str, Any], float | None]:
    """Burndown/burnup days as JSON and the last known remaining points."""
    formula_sprint = as_formula_sprint(sprint)
    as_of = None if sprint.completed_at is not None else today
    try:
        days = sprint_charts.sprint_days(changes, formula_sprint, as_of=as_of)
    except ValueError:  # started after its planned end and still open: the formulas have no day range
        assert sprint.started_at is not None
        reason = (
            f"The sprint started on {timezone.localdate(sprint.started_at)}, after its planned end "
            f"({sprint.planned_end}): there is no day range to chart until it closes."
        )
        return {"days": [], "non_working_days": [], "scope_changes": [], "reason": reason}, None
    initial = formulas.commitment(changes, formula_sprint)
    rows: list[dict[str, Any]] = [
        {
            "day": day.day.isoformat(),
            "working_day": day.working_day,
            "scope": day.scope,
            "completed": day.completed,
            "remaining": day.remaining,
            "ideal": day.ideal,
            "scope_change": day.scope_change,
        }
        for day in days
    ]
    known = [row for row in rows if row["remaining"] is not None]
    detail = {
        "days": rows,
        "non_working_days": [row["day"] for row in rows if not row["working_day"]],
        "initial_commitment": initial,
        "scope_changes": [{"day": row["day"], "points": row["scope_change"]} for row in known if row["scope_change"]],
        "as_of": iso_or_none(as_of) if as_of else iso_or_none(timezone.localdate(sprint.completed_at)),
    }
    return detail, (known[-1]["remaining"] if known else None)


@dataclass(frozen=True)
class _SprintValue:
    """Builds one snapshot of a sprint: all share its period, planned dates and identity (in ``detail``)."""

    sprint: Sprint

    def __call__(
        self, metric: str, number: float | None, detail: dict[str, Any] | None = None, *, freeze: bool
    ) -> SnapshotValue:
        sprint = self.sprint
        about = {"sprint": sprint.pk, "name": sprint.name, "state": sprint.state, "reopen_count": sprint.reopen_count}
        return SnapshotValue(
            metric=metric,
            value=number,
            period=sprint_period(sprint.pk),
            period_start=sprint.planned_start,
            period_end=sprint.planned_end,
            detail={**about, **(detail or {})},
            frozen=freeze,
        )


def _delivery_values(
    sprint: Sprint, changes: list[formulas.WorkItemChange], now: datetime.datetime, value: _SprintValue
) -> list[SnapshotValue]:
    """Commitment, completed, say/do, scope change, logged defects and the charts: frozen once the sprint closes,
    blank (with the reason) until it starts."""
    frozen = sprint.completed_at is not None
    summary = _summary(sprint, changes, now)
    values: list[SnapshotValue] = []
    if summary is None:  # not started: nothing happened yet
        reason = {"reason": "The sprint has not started."}
        values += [value(key, None, reason, freeze=False) for key in ("commitment", "completed", "say_do")]
        values += [value(key, None, reason, freeze=False) for key in ("scope_change", "logged_defects")]
        values += [value(key, None, reason, freeze=False) for key in ("burndown", "burnup")]
        return values
    band = formulas.say_do_band(summary.say_do)
    scope = asdict(summary.scope_change) if summary.scope_change else None
    values += [
        value("commitment", summary.commitment, freeze=frozen),
        value("completed", summary.completed, {"commitment": summary.commitment}, freeze=frozen),
        value(
            "say_do",
            summary.say_do,
            {"band": band.value if band else None, "bands": asdict(SAY_DO_BANDS)},
            freeze=frozen,
        ),
        value("scope_change", scope["net"] if scope else None, {"scope_change": scope}, freeze=frozen),
        value("logged_defects", float(summary.logged_defects), freeze=frozen),
    ]
    chart, remaining = _chart_detail(sprint, changes, timezone.localdate(now))
    values.append(value("burndown", remaining, chart, freeze=frozen))
    last_scope = next((row["scope"] for row in reversed(chart["days"]) if row["scope"] is not None), None)
    values.append(value("burnup", last_scope, chart, freeze=frozen))
    return values


def _aftermath_values(
    defects: list[formulas.Defect],
    actions: list[formulas.RetroAction],
    next_retro: datetime.date | None,
    votes: list[int],
    value: _SprintValue,
) -> list[SnapshotValue]:
    """Escaped defects, process refinement and motivation: they keep moving after the close, so never frozen."""
    escaped = formulas.escaped_defects(defects)
    closed_by_next = sum(1 for a in actions if a.closed_on is not None and next_retro and a.closed_on <= next_retro)
    mood = formulas.motivation(votes)
    return [
        value(
            "escaped_defects",
            float(escaped),
            {"defects": len(defects), "escape_rate": formulas.escape_rate(defects)},
            freeze=False,
        ),
        value(
            "process_refinement",
            formulas.process_refinement(actions, next_retro),
            {
                "raised": len(actions),
                "closed": sum(1 for a in actions if a.closed_on is not None),
                "closed_by_next_retro": closed_by_next,
                "next_retro_on": iso_or_none(next_retro),
            },
            freeze=False,
        ),
        value(
            "motivation",
            mood.average,
            {"responses": mood.responses, "distribution": {str(k): v for k, v in mood.distribution.items()}},
            freeze=False,
        ),
    ]


def _sprint_values(
    sprint: Sprint,
    changes: list[formulas.WorkItemChange],
    defects: list[formulas.Defect],
    actions: list[formulas.RetroAction],
    next_retro: datetime.date | None,
    votes: list[int],
    now: datetime.datetime,
) -> list[SnapshotValue]:
    """Every snapshot of one sprint: what it delivered, then what followed it."""
    value = _SprintValue(sprint)
    return _delivery_values(sprint, changes, now, value) + _aftermath_values(defects, actions, next_retro, votes, value)


# --- loading ---------------------------------------------------------------------------------------------------


def _defects_by_sprint(team: Team) -> dict[int, list[formulas.Defect]]:
    """As ``adapters.scrum.sprint_defects``, for every sprint of the team in one query."""
    rows = (
        WorkItem.objects.filter(team=team, item_type=ItemType.DEFECT, origin_sprint__isnull=False)
        .exclude(state_group=StateGroup.CANCELLED)
        .order_by("created_at", "id")
        .values_list(
            "origin_sprint_id", "key", "created_at", "found_in_item__resolved_at", "origin_sprint__completed_at"
        )
    )
    grouped: dict[int, list[formulas.Defect]] = defaultdict(list)
    for sprint_id, key, found_at, item_resolved, origin_closed in rows:
        grouped[sprint_id].append(
            formulas.Defect(key=key, found_at=found_at, delivered_at=item_resolved or origin_closed)
        )
    return grouped


def _actions_by_sprint(team: Team) -> dict[int, list[formulas.RetroAction]]:
    rows = (
        RetroAction.objects.filter(sprint__team=team)
        .order_by("raised_at", "id")
        .values_list("sprint_id", "raised_at", "closed_at")
    )
    grouped: dict[int, list[formulas.RetroAction]] = defaultdict(list)
    for sprint_id, raised, closed in rows:
        closed_on = None if closed is None else timezone.localdate(closed)
        grouped[sprint_id].append(formulas.RetroAction(raised_on=timezone.localdate(raised), closed_on=closed_on))
    return grouped


def _votes_by_sprint(team: Team) -> dict[int, list[int]]:
    grouped: dict[int, list[int]] = defaultdict(list)
    rows = (
        MoodVote.objects.filter(sprint__team=team).order_by("sprint_id", "person_id").values_list("sprint_id", "score")
    )
    for sprint_id, score in rows:
        grouped[sprint_id].append(score)
    return grouped


def _next_retros(sprints: Sequence[Sprint]) -> dict[int, datetime.date | None]:
    """As ``adapters.scrum.next_retro_on``: the first close of the next sprint by planned start (no query)."""
    ordered = sorted(sprints, key=lambda s: (s.planned_start, s.pk))
    following: dict[int, datetime.date | None] = {}
    for current, after in zip(ordered, ordered[1:], strict=False):
        following[current.pk] = None if after.completed_at is None else timezone.localdate(after.completed_at)
    if ordered:
        following[ordered[-1].pk] = None  # the last sprint's next retrospective has not happened
    return following


def _backlog(team: Team) -> tuple[float, int]:
    """Points of open items, and open defects: 1 query."""
    totals = WorkItem.objects.filter(team=team, state_group__in=_OPEN_STATES).aggregate(
        points=Sum("points"), defects=Count("pk", filter=Q(item_type=ItemType.DEFECT))
    )
    return float(totals["points"] or 0), int(totals["defects"] or 0)


@snapshot_computer(ScopeType.TEAM, scope_ids=lambda: Team.objects.order_by("pk").values_list("pk", flat=True))
def team_compute(team_id: int) -> ScopeResult | None:
    """Every scrum snapshot of one team; None when the team is gone."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return None
    now = timezone.now()
    sprints = list(Sprint.objects.filter(team=team).order_by("planned_start", "id"))
    changes = _changes_by_sprint(team_changes(team))
    defects = _defects_by_sprint(team)
    actions = _actions_by_sprint(team)
    votes = _votes_by_sprint(team)
    next_retros = _next_retros(sprints)
    remaining, open_defects = _backlog(team)
    values: list[SnapshotValue] = []
    for sprint in sprints:
        values += _sprint_values(
            sprint,
            changes.get(sprint_key(sprint.pk), []),
            defects.get(sprint.pk, []),
            actions.get(sprint.pk, []),
            next_retros.get(sprint.pk),
            votes.get(sprint.pk, []),
            now,
        )
    all_defects = [defect for group in defects.values() for defect in group]
    values += team_values(sprints, all_defects, remaining, open_defects, timezone.localdate(now))
    return ScopeResult(portfolio_id=team.portfolio_id, project_id=team.project_id, values=values)
