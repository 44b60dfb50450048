"""Scrum rows -> ``metrics.formulas.scrum`` inputs. Each function runs a fixed number of queries (noted).

Keys: a formula ``Sprint.key`` (and ``WorkItemChange.sprint``) is the sprint's primary key as a string, so it
never changes when a sprint is renamed; ``WorkItemChange.item`` is the work item's tracker key (unique per team,
and every change a sprint's charts read belongs to that sprint's team).

Moments are handed over in the portal's time zone (``settings.TIME_ZONE``): the charts read a change on the day
``at.date()`` and start on ``started_at.date()``, which must be the local day people name, as in the product
adapters.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, Sum
from django.utils import timezone

from metrics.formulas import scrum as formulas
from metrics.scrum.choices import ItemType, StateGroup
from metrics.scrum.models import MoodVote, RetroAction, Sprint, Team, WorkItem, WorkItemChange

__all__ = [
    "as_formula_sprint",
    "completed_per_sprint",
    "frozen_summary",
    "mood_votes",
    "next_retro_on",
    "open_defect_count",
    "remaining_backlog_points",
    "retro_actions",
    "sprint_defects",
    "sprint_history",
    "sprint_key",
    "team_work_item_changes",
    "work_item_changes",
]

_CHANGE_COLUMNS = ("item__key", "at", "sprint_id", "state_group", "points", "item_type")


def sprint_key(sprint_id: int) -> str:
    return str(sprint_id)


def as_formula_sprint(sprint: Sprint) -> formulas.Sprint:
    """No query. ``closed_at`` is the first close: the formulas read a reopened sprint as of that moment."""
    return formulas.Sprint(
        key=sprint_key(sprint.pk),
        planned_start=sprint.planned_start,
        planned_end=sprint.planned_end,
        started_at=_local(sprint.started_at),
        closed_at=_local(sprint.completed_at),
    )


def _local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """The same instant in the portal's time zone, so its ``.date()`` is the local day."""
    return None if moment is None else timezone.localtime(moment)


def sprint_history(team: Team) -> list[formulas.Sprint]:
    """All the team's sprints, oldest planned first. 1 query."""
    return [as_formula_sprint(sprint) for sprint in Sprint.objects.filter(team=team).order_by("planned_start", "id")]


def _as_changes(rows: Iterable[tuple]) -> list[formulas.WorkItemChange]:
    return [
        formulas.WorkItemChange(
            item=key,
            at=timezone.localtime(at),
            sprint=None if sprint_id is None else sprint_key(sprint_id),
            state=formulas.StateGroup(state),
            points=points,
            item_type=formulas.ItemType(item_type),
        )
        for key, at, sprint_id, state, points, item_type in rows
    ]


def work_item_changes(sprint: Sprint) -> list[formulas.WorkItemChange]:
    """The whole log of every item that was ever in ``sprint``, in log order (time, then insertion). 1 query.

    Whole, not only the rows naming the sprint: the row that moved an item *out* names the other sprint, and
    the formulas need it to see the item leave.
    """
    ever_in_sprint = WorkItemChange.objects.filter(sprint=sprint).values("item_id")
    rows = WorkItemChange.objects.filter(item_id__in=ever_in_sprint).order_by("at", "id").values_list(*_CHANGE_COLUMNS)
    return _as_changes(rows)


def team_work_item_changes(team: Team) -> list[formulas.WorkItemChange]:
    """The log of all the team's items (for several sprints at once), in log order. 1 query."""
    rows = WorkItemChange.objects.filter(item__team=team).order_by("at", "id").values_list(*_CHANGE_COLUMNS)
    return _as_changes(rows)


def frozen_summary(sprint: Sprint) -> formulas.SprintSummary | None:
    """The summary written at the sprint's first close, as the formula dataclass; None if never closed. No query."""
    data = sprint.summary
    if not data:
        return None
    scope = data.get("scope_change")
    return formulas.SprintSummary(
        sprint=data["sprint"],
        commitment=data["commitment"],
        completed=data["completed"],
        say_do=data["say_do"],
        scope_change=formulas.ScopeChange(**scope) if scope else None,
        logged_defects=data["logged_defects"],
    )


def completed_per_sprint(team: Team) -> list[float]:
    """Completed points of each closed sprint, oldest close first, from the frozen summaries (velocity input).

    A reopened sprint counts with its first close's figure. 1 query.
    """
    summaries = (
        Sprint.objects.filter(team=team, completed_at__isnull=False)
        .order_by("completed_at", "id")
        .values_list("summary", flat=True)
    )
    return [float(summary["completed"]) for summary in summaries if summary is not None]


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return None if moment is None else timezone.localdate(moment)


def retro_actions(sprint: Sprint) -> list[formulas.RetroAction]:
    """Actions raised at the sprint's retrospective, dated in the portal's time zone. 1 query."""
    rows = RetroAction.objects.filter(sprint=sprint).order_by("raised_at", "id").values_list("raised_at", "closed_at")
    return [
        formulas.RetroAction(raised_on=timezone.localdate(raised), closed_on=_local_date(closed))
        for raised, closed in rows
    ]


def next_retro_on(sprint: Sprint) -> datetime.date | None:
    """The next retrospective: the first close of the team's next sprint (by planned start); None yet. 1 query."""
    following = (
        Sprint.objects.filter(team_id=sprint.team_id)
        .filter(Q(planned_start__gt=sprint.planned_start) | Q(planned_start=sprint.planned_start, id__gt=sprint.pk))
        .order_by("planned_start", "id")
        .values_list("completed_at", flat=True)
        .first()
    )
    return _local_date(following)


def sprint_defects(sprint: Sprint) -> list[formulas.Defect]:
    """Defects linked to the sprint (``origin_sprint``; a defect created in a sprint is linked to it by default).

    ``found_at`` = the defect's creation; ``delivered_at`` = when the item it was found in was resolved, else the
    origin sprint's first close (its release); cancelled defects count nowhere. 1 query.
    """
    rows = (
        WorkItem.objects.filter(item_type=ItemType.DEFECT)
        .filter(origin_sprint=sprint)
        .exclude(state_group=StateGroup.CANCELLED)
        .order_by("created_at", "id")
        .values_list("key", "created_at", "found_in_item__resolved_at", "origin_sprint__completed_at")
    )
    return [
        formulas.Defect(key=key, found_at=found_at, delivered_at=item_resolved or origin_closed)
        for key, found_at, item_resolved, origin_closed in rows
    ]


def mood_votes(sprint: Sprint) -> list[int]:
    """The sprint's mood scores (1-5), one per person. 1 query."""
    return list(MoodVote.objects.filter(sprint=sprint).order_by("person_id").values_list("score", flat=True))


_OPEN = Q(state_group__in=[StateGroup.BACKLOG, StateGroup.TODO, StateGroup.IN_PROGRESS])


def remaining_backlog_points(team: Team) -> float:
    """Points of the team's open items (not done, not cancelled; unestimated = 0): the forecast's input. 1 query."""
    total = WorkItem.objects.filter(_OPEN, team=team).aggregate(total=Sum("points"))["total"]
    return float(total or 0)


def open_defect_count(team: Team) -> int:
    """The team's defects not yet done nor cancelled. 1 query."""
    return WorkItem.objects.filter(_OPEN, team=team, item_type=ItemType.DEFECT).count()
