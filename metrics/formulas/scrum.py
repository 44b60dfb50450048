"""Scrum metrics per sprint: commitment, completion, say/do, scope change, velocity, quality, process, mood.

Sprint figures are rebuilt from the work-item **change log**. Each ``WorkItemChange`` carries the item's full
state right after the change (sprint, state group, points, type), so the state "as of" any moment is the last
change at or before it. A sprint's summary is taken at ``closed_at`` (its *first* close): changes made while a
sprint is reopened never rewrite it. Cancelled items count nowhere (see the package docstring).
Burndown and burnup are in ``sprint_charts``; the Monte-Carlo forecast in ``forecast``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from metrics.formulas.bands import SAY_DO_BANDS, VELOCITY_WINDOW, SayDoBand, SayDoBands
from metrics.formulas.numbers import Number, as_float, ratio


class StateGroup(StrEnum):
    BACKLOG = "backlog"
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ItemType(StrEnum):
    STORY = "story"
    DEFECT = "defect"
    TASK = "task"


@dataclass(frozen=True)
class WorkItemChange:
    """The full state of work item ``item`` right after a change at ``at`` (None points = not estimated = 0)."""

    item: str
    at: datetime
    sprint: str | None
    state: StateGroup
    points: Number | None = None
    item_type: ItemType = ItemType.STORY

    def __post_init__(self) -> None:
        if self.points is not None:
            as_float(self.points, "story points")


@dataclass(frozen=True)
class ItemState:
    item: str
    sprint: str | None
    state: StateGroup
    points: float
    item_type: ItemType


@dataclass(frozen=True)
class Sprint:
    """A sprint's planned dates and, once they happened, its actual start and first close."""

    key: str
    planned_start: date
    planned_end: date
    started_at: datetime | None = None
    closed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.planned_end < self.planned_start:
            raise ValueError(f"sprint {self.key} ends before it starts")
        if self.started_at is not None and self.closed_at is not None and self.closed_at < self.started_at:
            raise ValueError(f"sprint {self.key} closed before it started")


def items_where(changes: Iterable[WorkItemChange], include: Callable[[WorkItemChange], bool]) -> dict[str, ItemState]:
    """Replay the log: each item's last included change (later in time wins; equal times: later in the log)."""
    latest: dict[str, WorkItemChange] = {}
    for change in changes:
        if not include(change):
            continue
        current = latest.get(change.item)
        if current is None or change.at >= current.at:
            latest[change.item] = change
    return {
        key: ItemState(key, c.sprint, StateGroup(c.state), float(c.points or 0), ItemType(c.item_type))
        for key, c in latest.items()
    }


def items_as_of(changes: Iterable[WorkItemChange], moment: datetime) -> dict[str, ItemState]:
    """Every item's state at ``moment`` (changes at exactly ``moment`` included)."""
    return items_where(changes, lambda change: change.at <= moment)


def sprint_scope(items: dict[str, ItemState], sprint_key: str) -> dict[str, ItemState]:
    """Items in the sprint, cancelled ones left out (the one rule for cancelled items)."""
    return {k: s for k, s in items.items() if s.sprint == sprint_key and s.state != StateGroup.CANCELLED}


def _points(items: Iterable[ItemState]) -> float:
    return sum((item.points for item in items), 0.0)


def _summary_moment(sprint: Sprint, as_of: datetime | None) -> datetime:
    if sprint.closed_at is not None:
        return sprint.closed_at
    if as_of is None:
        raise ValueError(f"sprint {sprint.key} is not closed: pass as_of")
    return as_of


def commitment(changes: Sequence[WorkItemChange], sprint: Sprint) -> float | None:
    """Commitment = points of the (non-cancelled) items in the sprint at its start; None before it starts."""
    if sprint.started_at is None:
        return None
    return _points(sprint_scope(items_as_of(changes, sprint.started_at), sprint.key).values())


def completed(changes: Sequence[WorkItemChange], sprint: Sprint, as_of: datetime | None = None) -> float:
    """Completed = points of items in the sprint and done at its end (``closed_at``, or ``as_of`` while open).

    An item done and then reopened before the end does not count; points are those at the end.
    """
    scope = sprint_scope(items_as_of(changes, _summary_moment(sprint, as_of)), sprint.key)
    return _points(item for item in scope.values() if item.state == StateGroup.DONE)


def say_do(changes: Sequence[WorkItemChange], sprint: Sprint, as_of: datetime | None = None) -> float | None:
    """Estimation accuracy = points completed out of the initial commitment / initial commitment.

    The numerator takes items in the sprint at its start that are done in the sprint at its end, at their
    initial points (so re-estimation cannot push it above 100 %). None when the commitment is 0 or not started.
    """
    if sprint.started_at is None:
        return None
    initial = sprint_scope(items_as_of(changes, sprint.started_at), sprint.key)
    final = sprint_scope(items_as_of(changes, _summary_moment(sprint, as_of)), sprint.key)
    kept = _points(initial[key] for key, item in final.items() if key in initial and item.state == StateGroup.DONE)
    return ratio(kept, _points(initial.values()))


def say_do_band(value: float | None, bands: SayDoBands = SAY_DO_BANDS) -> SayDoBand | None:
    """Say/do band: poor < 60 % <= fair < 75 % <= good < 90 % <= excellent (defaults)."""
    return bands.band(value)


@dataclass(frozen=True)
class ScopeChange:
    added: float  # points (as of the end) of items that joined after the start
    removed: float  # points (as of the start) of items that left or were cancelled
    reestimated: float  # points now - points at start, for items there at both moments
    net: float  # added - removed + reestimated = scope at the end - commitment


def scope_change_between(
    changes: Sequence[WorkItemChange], sprint_key: str, start: datetime, end: datetime
) -> ScopeChange:
    """Scope change from ``start`` to ``end`` = points added - points removed + re-estimation delta."""
    before = sprint_scope(items_as_of(changes, start), sprint_key)
    after = sprint_scope(items_as_of(changes, end), sprint_key)
    added = _points(item for key, item in after.items() if key not in before)
    removed = _points(item for key, item in before.items() if key not in after)
    reestimated = sum((after[key].points - before[key].points for key in before if key in after), 0.0)
    return ScopeChange(added=added, removed=removed, reestimated=reestimated, net=added - removed + reestimated)


def scope_change(
    changes: Sequence[WorkItemChange], sprint: Sprint, as_of: datetime | None = None
) -> ScopeChange | None:
    """Scope change of a sprint from its start to its end (or ``as_of``); None before it starts."""
    if sprint.started_at is None:
        return None
    return scope_change_between(changes, sprint.key, sprint.started_at, _summary_moment(sprint, as_of))


def logged_defects(changes: Sequence[WorkItemChange], sprint: Sprint, as_of: datetime | None = None) -> int:
    """Logged defects = defects in the sprint's scope still open (not done, not cancelled) when it ends."""
    scope = sprint_scope(items_as_of(changes, _summary_moment(sprint, as_of)), sprint.key)
    return sum(1 for item in scope.values() if item.item_type == ItemType.DEFECT and item.state != StateGroup.DONE)


@dataclass(frozen=True)
class SprintSummary:
    """What is frozen when a sprint closes."""

    sprint: str
    commitment: float | None
    completed: float
    say_do: float | None
    scope_change: ScopeChange | None
    logged_defects: int


def sprint_summary(changes: Sequence[WorkItemChange], sprint: Sprint, as_of: datetime | None = None) -> SprintSummary:
    """Commitment, completed, say/do, scope change and logged defects of one sprint, at its first close."""
    return SprintSummary(
        sprint=sprint.key,
        commitment=commitment(changes, sprint),
        completed=completed(changes, sprint, as_of),
        say_do=say_do(changes, sprint, as_of),
        scope_change=scope_change(changes, sprint, as_of),
        logged_defects=logged_defects(changes, sprint, as_of),
    )


# --- across sprints -------------------------------------------------------------------------------------------


def _last(values: Sequence[Number], window: int, name: str) -> list[float]:
    if window < 1:
        raise ValueError("window must be at least 1")
    return [as_float(value, name) for value in values[-window:]]


def velocity(completed_per_sprint: Sequence[Number], window: int = VELOCITY_WINDOW) -> float | None:
    """Velocity = mean completed points over the last ``window`` (7) closed sprints, oldest first in the input.

    An empty sprint is a sprint: it counts as 0. None when no sprint has closed.
    """
    values = _last(completed_per_sprint, window, "completed points")
    return statistics.fmean(values) if values else None


def rolling_velocity(completed_per_sprint: Sequence[Number], window: int = VELOCITY_WINDOW) -> list[float]:
    """For each sprint, the velocity over it and up to ``window`` - 1 sprints before it (for the trend line)."""
    return [velocity(completed_per_sprint[: index + 1], window) or 0.0 for index in range(len(completed_per_sprint))]


def velocity_consistency(completed_per_sprint: Sequence[Number], window: int = VELOCITY_WINDOW) -> float | None:
    """Coefficient of variation = sample stdev / mean of velocity over the last ``window`` sprints (lower = steadier).

    Sample (n - 1) standard deviation: the sprints are a sample of the team's ongoing pace. None with fewer than
    two sprints or a mean of 0.
    """
    values = _last(completed_per_sprint, window, "completed points")
    if len(values) < 2:
        return None
    mean = statistics.fmean(values)
    return None if mean == 0 else statistics.stdev(values) / mean


@dataclass(frozen=True)
class RetroAction:
    raised_on: date
    closed_on: date | None = None

    def __post_init__(self) -> None:
        if self.closed_on is not None and self.closed_on < self.raised_on:
            raise ValueError("a retrospective action cannot close before it was raised")


def process_refinement(actions_raised: Iterable[RetroAction], next_retro_on: date | None) -> float | None:
    """Process refinement = actions raised at a retrospective and closed by the next one / actions raised.

    None when nothing was raised or the next retrospective has not happened yet.
    """
    raised = list(actions_raised)
    if next_retro_on is None or not raised:
        return None
    closed = sum(1 for action in raised if action.closed_on is not None and action.closed_on <= next_retro_on)
    return closed / len(raised)


@dataclass(frozen=True)
class Defect:
    """A defect linked to a sprint; ``delivered_at`` = when the item it was found in was done or released."""

    key: str
    found_at: datetime
    delivered_at: datetime | None = None

    @property
    def escaped(self) -> bool:
        return self.delivered_at is not None and self.found_at > self.delivered_at


def escaped_defects(defects: Iterable[Defect]) -> int:
    """Escaped defects = defects found after the item they concern was done or released."""
    return sum(1 for defect in defects if defect.escaped)


def escape_rate(defects: Iterable[Defect]) -> float | None:
    """Escape rate = escaped defects / all defects linked to the sprint; None when there are none."""
    all_defects = list(defects)
    return ratio(escaped_defects(all_defects), len(all_defects))


@dataclass(frozen=True)
class Motivation:
    responses: int
    average: float | None
    distribution: dict[int, int]  # mood 1..5 -> votes, every key present


def motivation(votes: Iterable[int]) -> Motivation:
    """Team mood: average of votes on a 1-5 scale and their distribution; average None without votes."""
    values = list(votes)
    for vote in values:
        if isinstance(vote, bool) or vote not in range(1, 6):
            raise ValueError(f"mood votes are whole numbers from 1 to 5, got {vote!r}")
    distribution = {mood: values.count(mood) for mood in range(1, 6)}
    return Motivation(len(values), statistics.fmean(values) if values else None, distribution)
