"""Burndown and burnup of one sprint, rebuilt from the change log per calendar day.

Each day is read at its end: a change counts on day ``d`` when ``change.at.date() <= d``. For a closed sprint
nothing after ``closed_at`` counts (the charts are frozen with the summary). Every calendar day is returned
with ``working_day`` so the chart can shade the others; the ideal line moves on working days only.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from metrics.formulas.calendar import DEFAULT_WEEKEND, days_between, is_working_day, working_days_between
from metrics.formulas.scrum import (
    ItemState,
    Sprint,
    StateGroup,
    WorkItemChange,
    commitment,
    items_where,
    sprint_scope,
)


@dataclass(frozen=True)
class SprintDay:
    day: date
    working_day: bool
    scope: float | None  # None for days after ``as_of``: not happened yet
    completed: float | None
    remaining: float | None
    ideal: float | None
    scope_change: float | None  # net points added that day (negative: removed), also on non-working days


def _scope_at_end_of(changes: Sequence[WorkItemChange], sprint: Sprint, day: date) -> dict[str, ItemState]:
    closed = sprint.closed_at

    def include(change: WorkItemChange) -> bool:
        return change.at.date() <= day and (closed is None or change.at <= closed)

    return sprint_scope(items_where(changes, include), sprint.key)


def _ideal(initial: float | None, total_working: int, done_working: int) -> float | None:
    """Ideal remaining after ``done_working`` working days: commitment x (1 - done / total), never below 0."""
    if initial is None or total_working == 0:
        return None
    return initial * max(total_working - done_working, 0) / total_working


def sprint_days(
    changes: Sequence[WorkItemChange],
    sprint: Sprint,
    holidays: Collection[date] = (),
    as_of: date | None = None,
    weekend: Collection[int] = DEFAULT_WEEKEND,
) -> list[SprintDay]:
    """Per calendar day of the sprint: scope, completed, remaining, ideal and that day's scope change.

    Days run from the actual start (or planned start) to the planned end, or to the close if later.
    scope = points of non-cancelled items in the sprint at the day's end; completed = those done;
    remaining = scope - completed (never negative: done points are part of the scope).
    ideal = commitment x (working days left after this day / working days in the sprint), fixed at the initial
    commitment whatever the scope does later. Days after ``as_of`` carry only the ideal.
    """
    first = sprint.started_at.date() if sprint.started_at is not None else sprint.planned_start
    last = max(sprint.planned_end, sprint.closed_at.date() if sprint.closed_at is not None else sprint.planned_end)
    initial = commitment(changes, sprint)
    total_working = (
        working_days_between(first, sprint.planned_end, holidays, weekend) if first <= sprint.planned_end else 0
    )
    previous_scope = initial
    rows: list[SprintDay] = []
    done_working = 0
    for day in days_between(first, last):
        working = is_working_day(day, holidays, weekend)
        done_working += int(working)
        ideal = _ideal(initial, total_working, done_working)
        if (as_of is not None and day > as_of) or sprint.started_at is None:
            rows.append(SprintDay(day, working, None, None, None, ideal, None))
            continue
        scope_items = _scope_at_end_of(changes, sprint, day)
        scope = sum((item.points for item in scope_items.values()), 0.0)
        done = sum((item.points for item in scope_items.values() if item.state == StateGroup.DONE), 0.0)
        change = scope - (previous_scope or 0.0)
        rows.append(SprintDay(day, working, scope, done, scope - done, ideal, change))
        previous_scope = scope
    return rows


def burndown(
    changes: Sequence[WorkItemChange],
    sprint: Sprint,
    holidays: Collection[date] = (),
    as_of: date | None = None,
    weekend: Collection[int] = DEFAULT_WEEKEND,
) -> list[SprintDay]:
    """Burndown per day: remaining = scope as of that day - completed as of that day, against the ideal line
    fixed at the initial commitment and declining on working days only; scope change marked per day."""
    return sprint_days(changes, sprint, holidays, as_of, weekend)


@dataclass(frozen=True)
class BurnupDay:
    day: date
    working_day: bool
    scope: float | None
    completed: float | None
    added: float | None  # net scope change that day


def burnup(
    changes: Sequence[WorkItemChange],
    sprint: Sprint,
    holidays: Collection[date] = (),
    as_of: date | None = None,
    weekend: Collection[int] = DEFAULT_WEEKEND,
) -> list[BurnupDay]:
    """Burnup per day: scope line (total as of that day), completed line (cumulative), points added that day."""
    return [
        BurnupDay(row.day, row.working_day, row.scope, row.completed, row.scope_change)
        for row in sprint_days(changes, sprint, holidays, as_of, weekend)
    ]
