"""CSV import of a Jira-style issue export into a team (kind ``jira-issues``).

The Jira import rebuilds history, not only the current state, so that burndowns come out right:

* an issue is created at its ``created`` time in its sprint, in an open state; a done (or cancelled) issue moves
  there at its ``resolved`` time: that is when it burned down. A done issue without ``resolved`` is refused
  rather than guessed;
* a missing sprint is created by name from ``sprint start`` / ``sprint end`` (needed once per new sprint),
  started at its start (a date alone: 00:00 that day) and, once its end has passed, closed at its end (a date
  alone: the end of that day), which freezes its summary;
* rows are applied sprint by sprint (by start), oldest ``created`` first, and a sprint is closed by its last
  row, after every item of it exists. If that row is refused and skipped, the next sprint to start closes it
  first (the last sprint of the file then stays active: close it on the dashboard); rows without a sprint
  come last;
* an issue that already exists (same key) is updated, not duplicated: importing the same file twice changes
  nothing, and an edit dated before a close that froze the sprint is refused by the services.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from metrics.imports.base import Column, register_import
from metrics.scrum.choices import JIRA_STATUSES, JIRA_TYPES, ItemType, SprintState, StateGroup
from metrics.scrum.imports.common import DATE_HELP, Cells, Rows, TeamImport, by_time, describe, parse_moment
from metrics.scrum.models import Sprint, Team, WorkItem
from metrics.scrum.services import sprints as services
from portal.exceptions import ValidationFailed
from portal.models import User

_RESOLVED_STATES = (StateGroup.DONE, StateGroup.CANCELLED)


@register_import
class JiraIssuesImport(TeamImport):
    kind = "jira-issues"
    label = "Jira issues"
    description = (
        "A Jira-style issue export. History is rebuilt: each issue is created at 'created' and burns down at "
        "'resolved'; missing sprints are created from 'sprint start' and 'sprint end', started, and closed once "
        "their end has passed (closing freezes them). Issues are matched by key: importing again updates them."
    )
    columns = (
        Column("key", help="The issue key; unique in the team.", example="ML-142"),
        Column("type", help="Issue type. " + describe(JIRA_TYPES, ItemType) + ".", example="Story"),
        Column(
            "status",
            help="Status, mapped to a state group. " + describe(JIRA_STATUSES, StateGroup) + ".",
            example="Done",
        ),
        Column("story points", required=False, help="Empty = not estimated.", example="5"),
        Column("sprint", required=False, help="Sprint name; empty = backlog.", example="Sprint 7"),
        Column("created", help=f"When the issue was created ({DATE_HELP}).", example="2026-11-02 09:15"),
        Column(
            "resolved",
            required=False,
            help="When it was done or cancelled (required for done issues).",
            example="2026-11-05 16:40",
        ),  # fmt: skip
        Column("summary", required=False, help="The title; default: the key.", example="Score churn nightly"),
        Column(
            "sprint start",
            required=False,
            help="First day of a sprint that does not exist yet (00:00 that day).",
            example="2026-11-02",
        ),  # fmt: skip
        Column(
            "sprint end",
            required=False,
            help="Last day of a sprint that does not exist yet (closed at its end).",
            example="2026-11-13",
        ),  # fmt: skip
    )

    def ordered(self, rows: Rows) -> Rows:
        """Sprint by sprint (by start), oldest 'created' first; rows without a sprint last. Each row learns its
        sprint's dates (first given in the file) and whether it is the sprint's last row."""
        groups: dict[str, Rows] = {}
        for line, row in rows:
            groups.setdefault(row.get("sprint", "").strip(), []).append((line, dict(row)))
        ordered: Rows = []
        for name, group in sorted(groups.items(), key=lambda entry: self._group_key(*entry)):
            group = by_time(group, lambda row: row.get("created", ""))
            start = next(((line, r["sprint start"]) for line, r in group if r.get("sprint start", "").strip()), None)
            end = next(((line, r["sprint end"]) for line, r in group if r.get("sprint end", "").strip()), None)
            for index, (_line, row) in enumerate(group):
                if start:
                    row["__sprint_start"], row["__sprint_start_line"] = start[1].strip(), str(start[0])
                if end:
                    row["__sprint_end"], row["__sprint_end_line"] = end[1].strip(), str(end[0])
                if name and index == len(group) - 1:
                    row["__last_of_sprint"] = "1"
            ordered += group
        return ordered

    @staticmethod
    def _group_key(name: str, group: Rows) -> tuple[int, datetime.datetime, str]:
        if not name:
            return (2, datetime.datetime.max.replace(tzinfo=datetime.UTC), "")
        starts = [row.get("sprint start", "").strip() for _line, row in group]
        for value in [*starts, *(row.get("created", "") for _line, row in group)]:
            try:
                return (0, parse_moment(value), name)
            except ValueError:
                continue
        return (1, datetime.datetime.max.replace(tzinfo=datetime.UTC), name)

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        cells = Cells(row)
        key = cells.text("key", max_length=40)
        item_type = cells.mapped("type", JIRA_TYPES)
        state = cells.mapped("status", JIRA_STATUSES)
        points = cells.points("story points")
        created = cells.moment("created", required=True)
        resolved = cells.moment("resolved")
        title = cells.text("summary", required=False) or key
        sprint_name = cells.text("sprint", required=False, max_length=120)
        if state == StateGroup.DONE and resolved is None and "resolved" not in cells.errors:
            cells.errors["resolved"] = "Required for a done issue: when it was done."
        if created and resolved and resolved < created:
            cells.errors["resolved"] = "Before 'created'."
        start, end = self._sprint_dates(cells, row)
        cells.check()
        assert created is not None
        sprint = self._sprint(actor, scope, sprint_name, start, end) if sprint_name else None
        if state not in _RESOLVED_STATES:
            resolved = None
        self._item(actor, scope, key, title, item_type, points, state, sprint, created, resolved)
        if sprint is not None and end is not None and row.get("__last_of_sprint"):
            self._close_if_due(actor, sprint, end)  # only sprints whose end the file gives

    @staticmethod
    def _sprint_dates(cells: Cells, row: dict[str, str]) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The sprint's start and end as given once in the file (a row giving other values is refused)."""
        for column, hidden in (("sprint start", "__sprint_start"), ("sprint end", "__sprint_end")):
            own, shared = row.get(column, "").strip(), row.get(hidden, "")
            if own and shared and own != shared:
                cells.errors[column] = f"Differs from line {row[hidden + '_line']} ({shared}) for the same sprint."
        dates = Cells({"sprint start": row.get("__sprint_start", ""), "sprint end": row.get("__sprint_end", "")})
        start = dates.moment("sprint start", future_ok=True)
        end = dates.moment("sprint end", end_of_day=True)
        if start and end and end < start:
            dates.errors["sprint end"] = "Before the sprint start."
        for column, message in dates.errors.items():
            cells.errors.setdefault(column, message)
        return start, end

    def _sprint(
        self,
        actor: User,
        team: Team,
        name: str,
        start: datetime.datetime | None,
        end: datetime.datetime | None,
    ) -> Sprint:
        """The sprint named ``name``, created if missing, and started if its start has passed."""
        sprint = Sprint.objects.filter(team=team, name=name).first()
        if sprint is None:
            if start is None or end is None:
                raise ValidationFailed(
                    f"Sprint '{name}' does not exist yet: give its 'sprint start' and 'sprint end' in one of its rows.",
                    details={"sprint start": "Needed for a new sprint.", "sprint end": "Needed for a new sprint."},
                )
            sprint = services.sprint_create(
                actor=actor,
                team=team,
                name=name,
                planned_start=timezone.localdate(start),
                planned_end=timezone.localdate(end),
            )
        if sprint.state == SprintState.PLANNED and start is not None and start <= timezone.now():
            self._close_due_sprints(actor, team, before=start)
            sprint = services.sprint_start(actor=actor, sprint=sprint, at=start)
        return sprint

    def _close_due_sprints(self, actor: User, team: Team, before: datetime.datetime | None) -> None:
        """Close the team's active sprint if its planned end has passed and a later sprint is starting: its
        last row was refused (and skipped), so it did not close itself."""
        if before is None:
            return
        active = Sprint.objects.filter(team=team, state=SprintState.ACTIVE, reopen_count=0).first()
        if active is None or active.planned_end >= timezone.localdate(before):
            return
        self._close_if_due(actor, active, None)

    @staticmethod
    def _close_if_due(actor: User, sprint: Sprint, end: datetime.datetime | None) -> None:
        sprint = Sprint.objects.get(pk=sprint.pk)
        if sprint.state != SprintState.ACTIVE or sprint.reopen_count:  # a reopened sprint is closed by hand
            return
        closes_at = end or timezone.make_aware(datetime.datetime.combine(sprint.planned_end, datetime.time.max))
        if closes_at < timezone.now():
            services.sprint_close(actor=actor, sprint=sprint, at=closes_at)

    @staticmethod
    def _item(
        actor: User,
        team: Team,
        key: str,
        title: str,
        item_type: str,
        points: Any,
        state: str,
        sprint: Sprint | None,
        created: datetime.datetime,
        resolved: datetime.datetime | None,
    ) -> None:
        existing = WorkItem.objects.filter(team=team, key=key).first()
        if existing is not None:
            changes: dict[str, Any] = {
                "title": title,
                "item_type": item_type,
                "points": points,
                "sprint": sprint,
                "state_group": state,
            }
            if resolved is not None:
                changes["resolved_at"] = resolved
            when = resolved if resolved is not None and existing.state_group != state else None
            services.work_item_update(actor=actor, item=existing, changes=changes, at=when)
            return
        # Open until it was resolved: a done issue burns down at 'resolved', not at 'created'.
        opening_state = StateGroup.TODO if resolved is not None else state
        item = services.work_item_create(
            actor=actor,
            team=team,
            key=key,
            title=title,
            item_type=item_type,
            points=points,
            state_group=opening_state,
            sprint=sprint,
            at=created,
        )
        if resolved is not None:
            services.work_item_update(
                actor=actor, item=item, changes={"state_group": state, "resolved_at": resolved}, at=resolved
            )
