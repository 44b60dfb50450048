"""Hand-built sprint histories for the scrum compute, view and import tests, written through the services."""

from __future__ import annotations

import datetime

from metrics.scrum.choices import ItemType, StateGroup
from metrics.scrum.models import Sprint, Team, WorkItem
from metrics.scrum.services import sprints as services

UTC = datetime.UTC


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment in 2026 (before the tests' "now"), in UTC."""
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def make_team(people: dict, portfolio, project=None, name: str = "Churn squad") -> Team:
    return services.team_create(
        actor=people["pm"], portfolio=portfolio, name=name, project=project, members=[people["ds"], people["pm"]]
    )


def sprint(team: Team, actor, name: str, start: datetime.date, end: datetime.date) -> Sprint:
    return services.sprint_create(actor=actor, team=team, name=name, planned_start=start, planned_end=end)


def item(team: Team, actor, key: str, points, sprint_row: Sprint | None, when: datetime.datetime, **fields) -> WorkItem:
    return services.work_item_create(
        actor=actor,
        team=team,
        key=key,
        title=fields.pop("title", f"Item {key}"),
        item_type=fields.pop("item_type", ItemType.STORY),
        points=points,
        state_group=fields.pop("state_group", StateGroup.TODO),
        sprint=sprint_row,
        at=when,
        **fields,
    )


def update(actor, row: WorkItem, when: datetime.datetime, **changes) -> WorkItem:
    return services.work_item_update(actor=actor, item=WorkItem.objects.get(pk=row.pk), changes=changes, at=when)


def done(actor, row: WorkItem, when: datetime.datetime) -> WorkItem:
    return update(actor, row, when, state_group=StateGroup.DONE)


def closed_sprint(team: Team, actor, number: int, completed_points: int, month: int = 1) -> Sprint:
    """A two-week sprint (Mon-Fri) with one item of ``completed_points`` done, started and closed.

    Sprint ``number`` starts on Monday 1 January 2024 + 2 weeks x (number - 1)."""
    start = datetime.date(2024, 1, 1) + datetime.timedelta(weeks=2 * (number - 1))
    end = start + datetime.timedelta(days=11)
    row = sprint(team, actor, f"Sprint {number}", start, end)
    moment = datetime.datetime.combine(start, datetime.time(9), tzinfo=UTC)
    story = item(team, actor, f"S{number}-1", completed_points, row, moment - datetime.timedelta(hours=1))
    services.sprint_start(actor=actor, sprint=row, at=moment)
    if completed_points:
        done(actor, story, moment + datetime.timedelta(days=3))
    services.sprint_close(actor=actor, sprint=Sprint.objects.get(pk=row.pk), at=moment + datetime.timedelta(days=11))
    return Sprint.objects.get(pk=row.pk)
