"""An independent implementation of the scrum headline metrics, pandas straight from the input tables.

It reads ``Sprint`` and ``WorkItemChange`` rows with ``.values()`` and recomputes each metric from the definitions
in /work/shared/METRICS.md (Scrum) and the registry's wording, without the adapters, formulas, computers or
selectors it checks. Constants are restated here on purpose: a change to the engine's must show up as a
disagreement, not follow silently.

Days are the portal's local days (``settings.TIME_ZONE``), as people name them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils import timezone

from metrics.scrum.models import Sprint, WorkItemChange

#: METRICS.md, velocity: "the average over the last 7 closed sprints".
VELOCITY_WINDOW = 7
#: METRICS.md: "Days on the x-axis are working days"; Saturday and Sunday are the weekend (weekday() numbers).
WEEKEND = (5, 6)
DONE, CANCELLED = "done", "cancelled"

__all__ = [
    "Day",
    "TeamTables",
    "burndown",
    "commitment",
    "completed",
    "last_closed_sprint",
    "say_do",
    "team_tables",
    "velocity",
]


@dataclass(frozen=True)
class TeamTables:
    """The raw input rows of one team: ``sprints`` (one per sprint) and ``log`` (one per change-log row)."""

    sprints: pd.DataFrame  # id, name, planned_start, planned_end, started_at, completed_at
    log: pd.DataFrame  # id, item_id, at, day (local date), sprint_id, state_group, points (float, None = 0)


def team_tables(team_id: int) -> TeamTables:
    """Load the team's sprints and its items' change log (2 queries)."""
    sprint_columns = ["id", "name", "planned_start", "planned_end", "started_at", "completed_at"]
    sprints = pd.DataFrame.from_records(
        list(Sprint.objects.filter(team_id=team_id).values(*sprint_columns)), columns=sprint_columns
    )
    log_columns = ["id", "item_id", "at", "sprint_id", "state_group", "points"]
    log = pd.DataFrame.from_records(
        list(WorkItemChange.objects.filter(item__team_id=team_id).values(*log_columns)), columns=log_columns
    )
    log["points"] = pd.to_numeric(log["points"].astype(object), errors="coerce").fillna(0.0).astype(float)
    log["at"] = pd.to_datetime(log["at"], utc=True)
    zone = timezone.get_current_timezone()
    log["day"] = [moment.tz_convert(zone).date() for moment in log["at"]]
    log["sprint_id"] = log["sprint_id"].astype("float64")  # None -> NaN; comparisons with an id stay exact
    return TeamTables(sprints=sprints, log=log.sort_values(["at", "id"], kind="stable"))


def _sprint(tables: TeamTables, sprint_id: int) -> pd.Series:
    return tables.sprints.loc[tables.sprints["id"] == sprint_id].iloc[0]


def _state(log: pd.DataFrame) -> pd.DataFrame:
    """Each item's last row of ``log`` (log order: time, then insertion)."""
    return log.groupby("item_id", sort=False).tail(1)


def _scope(tables: TeamTables, sprint_id: int, moment: datetime.datetime) -> pd.DataFrame:
    """Items in the sprint at ``moment`` (changes at that instant included), cancelled ones left out (METRICS.md:
    cancelled items count in neither commitment nor completion)."""
    state = _state(tables.log[tables.log["at"] <= pd.Timestamp(moment)])
    return state[(state["sprint_id"] == sprint_id) & (state["state_group"] != CANCELLED)].set_index("item_id")


def _end(sprint: pd.Series, now: datetime.datetime) -> datetime.datetime:
    """The sprint's end: its first close (the frozen moment), or now while it runs."""
    return now if pd.isna(sprint["completed_at"]) else sprint["completed_at"]


def commitment(tables: TeamTables, sprint_id: int) -> float | None:
    """METRICS.md commitment: points in the sprint at its start. None before it starts."""
    sprint = _sprint(tables, sprint_id)
    if pd.isna(sprint["started_at"]):
        return None
    return float(_scope(tables, sprint_id, sprint["started_at"])["points"].sum())


def completed(tables: TeamTables, sprint_id: int, now: datetime.datetime) -> float | None:
    """METRICS.md completed: points of items done by the sprint's end (its first close; now while it runs)."""
    sprint = _sprint(tables, sprint_id)
    if pd.isna(sprint["started_at"]):
        return None
    scope = _scope(tables, sprint_id, _end(sprint, now))
    return float(scope.loc[scope["state_group"] == DONE, "points"].sum())


def say_do(tables: TeamTables, sprint_id: int, now: datetime.datetime) -> float | None:
    """METRICS.md estimation accuracy: points completed out of the initial commitment / initial commitment.

    "Out of the initial commitment": items in the sprint at its start and done in it at its end, at their points at
    the start. None before the start or with a commitment of 0."""
    sprint = _sprint(tables, sprint_id)
    if pd.isna(sprint["started_at"]):
        return None
    initial = _scope(tables, sprint_id, sprint["started_at"])
    final = _scope(tables, sprint_id, _end(sprint, now))
    done_keys = final.index[final["state_group"] == DONE]
    total = float(initial["points"].sum())
    if total == 0:
        return None
    return float(initial.loc[initial.index.isin(done_keys), "points"].sum()) / total


def closed_sprints(tables: TeamTables) -> pd.DataFrame:
    """Sprints that have closed, in order of first close (then id)."""
    closed = tables.sprints[tables.sprints["completed_at"].notna()]
    return closed.sort_values(["completed_at", "id"], kind="stable")


def last_closed_sprint(tables: TeamTables) -> int | None:
    """The sprint headlines are of: the last one closed (METRICS.md / registry: never the running one)."""
    closed = closed_sprints(tables)
    return None if closed.empty else int(closed["id"].iloc[-1])


def velocity(tables: TeamTables) -> float | None:
    """METRICS.md velocity: completed points per sprint, averaged over the last 7 closed sprints (each read from
    the change log as of its first close). None before any sprint closed."""
    closed = closed_sprints(tables)
    if closed.empty:
        return None
    values = [completed(tables, int(sprint_id), closed_at) for sprint_id, closed_at in
              zip(closed["id"], closed["completed_at"], strict=True)]  # fmt: skip
    return float(np.mean(values[-VELOCITY_WINDOW:]))


@dataclass(frozen=True)
class Day:
    day: datetime.date
    working_day: bool
    remaining: float | None  # None: the day has not happened yet
    ideal: float | None


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def burndown(tables: TeamTables, sprint_id: int, today: datetime.date) -> list[Day] | None:
    """METRICS.md burndown: per day, remaining = scope as of that day - completed as of that day; the ideal line is
    fixed at the initial commitment and declines on working days only.

    Days run from the (local) day of the actual start to the planned end, or to the first close if later. A day is
    read at its end; a closed sprint counts nothing after its first close; an open sprint's days after today have
    not happened. None before the start, or when an open sprint started after its planned end (no day range)."""
    sprint = _sprint(tables, sprint_id)
    if pd.isna(sprint["started_at"]):
        return None
    closed_at = None if pd.isna(sprint["completed_at"]) else sprint["completed_at"]
    first = _local_date(sprint["started_at"])
    last = max(sprint["planned_end"], _local_date(closed_at)) if closed_at is not None else sprint["planned_end"]
    if last < first:
        return None
    days = pd.date_range(first, last, freq="D").date
    working = np.array([day.weekday() not in WEEKEND for day in days])
    planned = working & (days <= sprint["planned_end"])
    total = int(planned.sum())
    initial = commitment(tables, sprint_id) or 0.0
    log = tables.log if closed_at is None else tables.log[tables.log["at"] <= pd.Timestamp(closed_at)]
    rows = []
    for index, day in enumerate(days):
        ideal = initial * max(total - int(working[: index + 1].sum()), 0) / total if total else None
        if closed_at is None and day > today:
            rows.append(Day(day, bool(working[index]), None, ideal))
            continue
        state = _state(log[log["day"] <= day])
        scope = state[(state["sprint_id"] == sprint_id) & (state["state_group"] != CANCELLED)]
        remaining = float(scope.loc[scope["state_group"] != DONE, "points"].sum())
        rows.append(Day(day, bool(working[index]), remaining, ideal))
    return rows
