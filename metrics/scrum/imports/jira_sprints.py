"""The sprints of a Jira issue export (kind ``jira-issues``): their dates, their order, and their lifecycle.

Jira's issue export names each issue's sprints (one ``Sprint`` column per sprint it was in) but not their dates.
A sprint the team already has needs none; a new one takes its dates from the file's own ``sprint start`` /
``sprint end`` columns when it has them (first readable value, on the rows whose sprint it is), otherwise from
the importer (``sprint_dates``: name -> start and end). A new sprint with neither stops the import before any
row is applied (``InputsMissing``), so the preview and the API can ask for it.

Once every row is in, the file's new sprints are started at their start and, once their end has passed, closed
at their end, oldest first (``sprints_settle``): a close freezes the summary from the change log, which by then
holds every item's history, carried-over items included.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from metrics.imports.base import InputsMissing, MissingInput, Rows, list_key
from metrics.scrum.choices import SprintState
from metrics.scrum.imports.common import DATE_HELP, parse_moment
from metrics.scrum.models import Sprint, Team
from metrics.scrum.services import sprints as services
from portal.exceptions import ValidationFailed
from portal.models import User

#: The importer's input holding new sprints' dates: {"Sprint 3": {"start": "2026-11-02", "end": "2026-11-13"}}.
SPRINT_DATES = "sprint_dates"
#: Row keys written by ``sprints_plan``: the row's sprints (oldest first) and the new ones' dates.
ROW_SPRINTS, ROW_DATES = "__sprints", "__sprint_dates"


@dataclass(frozen=True)
class SprintDates:
    start: datetime.datetime  # a date alone: 00:00 that day, in the portal's time zone
    end: datetime.datetime  # a date alone: the last moment of that day


def row_sprint_names(row: dict[str, str]) -> list[str]:
    """The row's sprints as the file lists them (several ``Sprint`` columns), each once."""
    names = json.loads(row.get(list_key("sprint"), "[]"))
    return list(dict.fromkeys(name for name in names if name))


def _file_dates(rows: Rows) -> dict[str, SprintDates]:
    """Dates from the file's own ``sprint start`` / ``sprint end`` (first readable pair; for the row's sprint)."""
    starts: dict[str, datetime.datetime] = {}
    ends: dict[str, datetime.datetime] = {}
    for _line, row in rows:
        names = row_sprint_names(row)
        if not names:
            continue
        for column, found, end_of_day in (("sprint start", starts, False), ("sprint end", ends, True)):
            try:
                found.setdefault(names[-1], parse_moment(row.get(column, ""), end_of_day=end_of_day))
            except ValueError:
                continue
    return {name: SprintDates(start, ends[name]) for name, start in starts.items() if name in ends}


def _input_dates(raw: Any, needed: Iterable[str]) -> dict[str, SprintDates]:
    """The importer's dates of the ``needed`` sprints (others are ignored); ValidationFailed naming each bad one."""
    given = raw if isinstance(raw, dict) else {}
    if raw not in (None, "") and not isinstance(raw, dict):
        raise ValidationFailed(
            "sprint_dates must map sprint names to their start and end.", details={SPRINT_DATES: "Not a mapping."}
        )
    dates: dict[str, SprintDates] = {}
    problems: dict[str, str] = {}
    for name in needed:
        entry = given.get(name)
        if entry is None:
            continue
        try:
            start = parse_moment(str(entry.get("start") or ""))
            end = parse_moment(str(entry.get("end") or ""), end_of_day=True)
        except (AttributeError, ValueError):
            problems[name] = f"Give a start and an end ({DATE_HELP})."
            continue
        if end < start:
            problems[name] = "The end is before the start."
            continue
        dates[name] = SprintDates(start, end)
    if problems:
        listed = "; ".join(f"{name}: {message}" for name, message in problems.items())
        raise ValidationFailed(f"Invalid sprint dates. {listed}", details={SPRINT_DATES: problems})
    return dates


def sprints_plan(team: Team, rows: Rows, inputs: dict[str, Any]) -> Rows:
    """``rows`` with each one's sprints (oldest first) and the dates the file or importer gives. InputsMissing names
    every new sprint without dates; ValidationFailed, bad dates given by the importer. Reads only."""
    names = list(dict.fromkeys(name for _line, row in rows for name in row_sprint_names(row)))
    existing = {sprint.name: sprint for sprint in Sprint.objects.filter(team=team, name__in=names)}
    new = [name for name in names if name not in existing]
    dates = _file_dates(rows)
    dates.update(_input_dates(inputs.get(SPRINT_DATES), [name for name in new if name not in dates]))
    missing = [name for name in new if name not in dates]
    if missing:
        raise InputsMissing(
            f"The file names sprint(s) the team does not have yet: {', '.join(missing)}. "
            "Give each one's start and end date.",
            missing=[MissingInput(group=SPRINT_DATES, name=name) for name in missing],
        )
    order = {name: sprint_start(existing.get(name), dates.get(name)) for name in names}
    _refuse_overlaps(names, existing, dates, order)
    planned: Rows = []
    for line, row in rows:
        own = sorted(row_sprint_names(row), key=lambda name: order[name])
        row = {**row, ROW_SPRINTS: json.dumps(own)}
        row[ROW_DATES] = json.dumps(
            {n: [dates[n].start.isoformat(), dates[n].end.isoformat()] for n in own if n in dates}
        )
        planned.append((line, row))
    return planned


def _refuse_overlaps(
    names: list[str], existing: dict[str, Sprint], dates: dict[str, SprintDates], starts: dict[str, datetime.datetime]
) -> None:
    """A team runs one sprint at a time: the file's sprints, by start, each end before the next starts."""
    tz = timezone.get_default_timezone()

    def end(name: str) -> datetime.datetime:
        if name in dates:
            return dates[name].end
        sprint = existing[name]
        planned = timezone.make_aware(datetime.datetime.combine(sprint.planned_end, datetime.time.max), tz)
        return sprint.completed_at or planned

    timeline = sorted(names, key=lambda name: (starts[name], name))
    for earlier, later in zip(timeline, timeline[1:], strict=False):
        if starts[later] <= end(earlier):
            raise ValidationFailed(
                f"Sprint '{later}' starts ({starts[later]:%Y-%m-%d}) before sprint '{earlier}' ends "
                f"({end(earlier):%Y-%m-%d}): a team runs one sprint at a time. Correct the dates.",
                details={SPRINT_DATES: {later: "Overlaps the sprint before it."}},
            )


def sprint_start(sprint: Sprint | None, dates: SprintDates | None) -> datetime.datetime:
    """When the sprint starts: its start, else the dates given, else 00:00 on its planned start."""
    if sprint is not None and sprint.started_at is not None:
        return sprint.started_at
    if dates is not None:
        return dates.start
    assert sprint is not None
    midnight = datetime.datetime.combine(sprint.planned_start, datetime.time.min)
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def row_new_sprint_dates(row: dict[str, str]) -> dict[str, SprintDates]:
    given = json.loads(row.get(ROW_DATES, "{}"))
    return {
        name: SprintDates(datetime.datetime.fromisoformat(start), datetime.datetime.fromisoformat(end))
        for name, (start, end) in given.items()
    }


def row_sprint(actor: User, team: Team, name: str, dates: SprintDates | None) -> Sprint:
    """The team's sprint ``name``, created (planned) from ``dates`` when missing."""
    sprint = Sprint.objects.filter(team=team, name=name).first()
    if sprint is not None:
        return sprint
    if dates is None:  # sprints_plan asked for them: only a sprint deleted meanwhile gets here
        raise ValidationFailed(f"Sprint '{name}' does not exist yet: give its dates.", details={"sprint": "New."})
    tz = timezone.get_default_timezone()
    return services.sprint_create(
        actor=actor,
        team=team,
        name=name,
        planned_start=timezone.localdate(dates.start, tz),
        planned_end=timezone.localdate(dates.end, tz),
    )


def sprints_settle(actor: User, team: Team, rows: Rows) -> None:
    """Start the file's new sprints at their start and close those whose end has passed, oldest first. A sprint
    still active from before is closed at its planned end when a later one starts after that day."""
    dates: dict[str, SprintDates] = {}
    for _line, row in rows:
        dates.update(row_new_sprint_dates(row))
    now = timezone.now()
    for name, when in sorted(dates.items(), key=lambda entry: (entry[1].start, entry[0])):
        sprint = Sprint.objects.filter(team=team, name=name).first()
        if sprint is None:  # all its rows were refused
            continue
        if sprint.state == SprintState.PLANNED and when.start <= now:
            _close_before(actor, team, sprint, when.start, dates)
            sprint = services.sprint_start(actor=actor, sprint=sprint, at=when.start)
        if sprint.state == SprintState.ACTIVE and not sprint.reopen_count and when.end < now:
            services.sprint_close(actor=actor, sprint=sprint, at=when.end)


def _close_before(
    actor: User, team: Team, starting: Sprint, start: datetime.datetime, dates: dict[str, SprintDates]
) -> None:
    active = Sprint.objects.filter(team=team, state=SprintState.ACTIVE).exclude(pk=starting.pk).first()
    if active is None:
        return
    tz = timezone.get_default_timezone()
    if active.reopen_count or active.planned_end >= timezone.localdate(start, tz):
        raise ValidationFailed(
            f"Sprint '{starting.name}' starts on {timezone.localdate(start, tz)} while sprint '{active.name}' "
            f"(until {active.planned_end}) is still active: a team runs one sprint at a time. Correct the dates.",
            details={SPRINT_DATES: {starting.name: "Overlaps another sprint."}},
        )
    end = dates[active.name].end if active.name in dates else None
    closes_at = end or timezone.make_aware(datetime.datetime.combine(active.planned_end, datetime.time.max), tz)
    services.sprint_close(actor=actor, sprint=active, at=closes_at)
