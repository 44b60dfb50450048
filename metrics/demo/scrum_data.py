"""Scrum teams of the demo: ten closed two-week sprints and one running, per team, with the things real
sprints have (carried-over work, scope added mid-sprint, re-estimates, removals, cancellations, escaped
defects, retrospective actions and mood votes). Events are applied in time order through the services,
so the change log, the frozen sprint summaries and the charts are the real thing."""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from lifecycle.models import Project
from metrics.scrum.choices import ItemType, StateGroup
from metrics.scrum.models import Sprint, Team, WorkItem
from metrics.scrum.services import items as scrum_items
from metrics.scrum.services import sprints as scrum

CLOSED_SPRINTS = 10
SPRINT_DAYS = 14
POINTS = (1, 2, 3, 3, 5, 5, 8)
STORIES = (
    "Ingest the {0} extract",
    "Feature: rolling {0} aggregates",
    "Backtest on {0} history",
    "Model card section for {0}",
    "Monitor drift of {0}",
    "API field for {0}",
    "Clean duplicates in {0}",
    "Dashboard tile for {0}",
)
TOPICS = ("orders", "visits", "returns", "payments", "stock", "prices", "claims", "sessions", "tickets")
RETRO = (
    "Split stories above 5 points before planning",
    "Pair on the feature pipeline",
    "Agree the definition of done for model changes",
    "Keep the staging data fresh",
    "Review pull requests within a day",
)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _working_days(start: datetime.date, count: int) -> list[datetime.date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@dataclass
class TeamStory:
    team: Team
    owner: AbstractBaseUser
    members: list[AbstractBaseUser]
    rng: random.Random
    prefix: str
    now: datetime.datetime
    counter: int = 0
    backlog: list[WorkItem] = field(default_factory=list)
    done: list[tuple[WorkItem, Sprint]] = field(default_factory=list)
    open_retro: list = field(default_factory=list)

    def _key(self) -> str:
        self.counter += 1
        return f"{self.prefix}-{self.counter}"

    def _title(self) -> str:
        return self.rng.choice(STORIES).format(self.rng.choice(TOPICS))

    def new_item(self, at: datetime.datetime, sprint: Sprint | None = None, **fields) -> WorkItem:
        state = StateGroup.TODO if sprint else StateGroup.BACKLOG
        defaults = {"item_type": ItemType.STORY, "points": self.rng.choice(POINTS), "state_group": state}
        defaults.update(fields)
        return scrum_items.work_item_create(
            actor=self.owner, team=self.team, key=self._key(), title=self._title(), sprint=sprint, at=at, **defaults
        )

    def update(self, item: WorkItem, at: datetime.datetime, **changes) -> None:
        item.refresh_from_db()
        scrum_items.work_item_update(actor=self.owner, item=item, changes=changes, at=at)

    def fill_backlog(self, at: datetime.datetime, count: int) -> None:
        self.backlog += [self.new_item(at) for _ in range(count)]

    def sprint(self, number: int, start: datetime.date, close: bool, carry: list[WorkItem]) -> list[WorkItem]:
        """Plan, run and (unless it is the current sprint) close one sprint; returns the unfinished items."""
        rng = self.rng
        days = _working_days(start, 10)
        sprint = scrum.sprint_create(
            actor=self.owner,
            team=self.team,
            name=f"Sprint {number}",
            planned_start=start,
            planned_end=days[-1],
            goal=f"Increment {number}: {rng.choice(TOPICS)} end to end",
        )
        planning = _at(start, 9)
        target = rng.randint(18, 30)
        planned = []
        for item in carry:
            self.update(item, planning, sprint=sprint, state_group=StateGroup.TODO)
            planned.append(item)
        while sum(i.points or 0 for i in planned) < target and self.backlog:
            item = self.backlog.pop(0)
            self.update(item, planning, sprint=sprint, state_group=StateGroup.TODO)
            planned.append(item)
        scrum.sprint_start(actor=self.owner, sprint=sprint, at=planning + datetime.timedelta(hours=1))

        events: list[tuple[datetime.datetime, Callable[[], None]]] = []
        reliability = rng.uniform(0.6, 0.95)
        in_sprint = list(planned)
        if rng.random() < 0.6:  # scope added mid-sprint
            added_at = _at(days[rng.randint(2, 5)], 11)
            events.append((added_at, lambda: in_sprint.append(self.new_item(added_at, sprint))))
        if rng.random() < 0.3 and planned:  # re-estimated after starting
            item = rng.choice(planned)
            events.append(
                (_at(days[1], 15), lambda item=item: self.update(item, _at(days[1], 15), points=(item.points or 1) + 2))
            )
        removed: set[int] = set()
        if rng.random() < 0.25 and len(planned) > 3:  # pulled out of the sprint
            item = planned[-1]
            removed.add(item.pk)
            events.append((_at(days[4], 10), lambda item=item: self._remove(item, _at(days[4], 10))))
        if rng.random() < 0.15 and len(planned) > 4:  # cancelled: counts nowhere
            item = planned[-2]
            removed.add(item.pk)
            events.append(
                (
                    _at(days[6], 10),
                    lambda item=item: self.update(item, _at(days[6], 10), state_group=StateGroup.CANCELLED),
                )
            )
        for item in planned:
            if item.pk in removed or rng.random() > reliability:
                continue
            finish = rng.randint(2, 9)
            events.append(
                (
                    _at(days[finish - 1], 10),
                    lambda item=item, d=days[finish - 1]: self.update(
                        item, _at(d, 10), state_group=StateGroup.IN_PROGRESS
                    ),
                )
            )
            events.append(
                (_at(days[finish], 16), lambda item=item, d=days[finish]: self._finish(item, _at(d, 16), sprint))
            )
        if self.done and rng.random() < 0.5:  # a defect found in something already shipped
            origin_item, origin_sprint = rng.choice(self.done)
            found = _at(days[3], 14)
            events.append(
                (
                    found,
                    lambda: in_sprint.append(
                        self.new_item(
                            found,
                            sprint,
                            item_type=ItemType.DEFECT,
                            points=1,
                            origin_sprint=origin_sprint,
                            found_in_item=origin_item,
                        )
                    ),
                )
            )
        for at, apply in sorted(events, key=lambda event: event[0]):
            if at < self.now:
                apply()
        if not close:
            return []
        closing = _at(days[-1], 17)
        scrum.sprint_close(actor=self.owner, sprint=sprint, at=closing)
        self._retrospective(sprint, closing)
        unfinished = WorkItem.objects.filter(sprint=sprint).exclude(
            state_group__in=[StateGroup.DONE, StateGroup.CANCELLED]
        )
        return list(unfinished)

    def _remove(self, item: WorkItem, at: datetime.datetime) -> None:
        self.update(item, at, sprint=None, state_group=StateGroup.BACKLOG)
        self.backlog.append(item)

    def _finish(self, item: WorkItem, at: datetime.datetime, sprint: Sprint) -> None:
        self.update(item, at, state_group=StateGroup.DONE, resolved_at=at)
        if item.item_type == ItemType.STORY:
            self.done.append((item, sprint))

    def _retrospective(self, sprint: Sprint, at: datetime.datetime) -> None:
        for action in self.open_retro:
            if self.rng.random() < 0.6:
                scrum.retro_action_close(actor=self.owner, action=action, at=at)
        self.open_retro = [
            scrum.retro_action_add(
                actor=self.owner,
                sprint=sprint,
                text=text,
                owner=self.rng.choice(self.members),
                at=at + datetime.timedelta(minutes=30),
            )
            for text in self.rng.sample(RETRO, self.rng.randint(1, 2))
        ]
        for person in self.members:
            score = max(1, min(5, round(self.rng.gauss(3.8, 0.8))))
            scrum.mood_vote_record(actor=person, sprint=sprint, score=score, at=at + datetime.timedelta(minutes=45))


def team_seed(
    project: Project, name: str, prefix: str, members: list[AbstractBaseUser], rng: random.Random, today: datetime.date
) -> Team | None:
    if Team.objects.filter(portfolio=project.portfolio, name=name).exists():
        return None
    owner = project.owner
    team = scrum.team_create(actor=owner, portfolio=project.portfolio, name=name, project=project, members=members)
    current_start = today - datetime.timedelta(days=today.weekday() + 7)  # the running sprint began last Monday week
    starts = [current_start - datetime.timedelta(days=SPRINT_DAYS * k) for k in range(CLOSED_SPRINTS, 0, -1)]
    story = TeamStory(team=team, owner=owner, members=members, rng=rng, prefix=prefix, now=timezone.now())
    story.fill_backlog(_at(starts[0] - datetime.timedelta(days=7), 10), 40)
    carry: list[WorkItem] = []
    for number, start in enumerate(starts, start=1):
        if len(story.backlog) < 15:
            story.fill_backlog(_at(start - datetime.timedelta(days=3), 10), 12)
        carry = story.sprint(number, start, close=True, carry=carry)
    story.sprint(len(starts) + 1, current_start, close=False, carry=carry)
    return team
