"""CSV import of a Jira issue export into a team (kind ``jira-issues``): Jira's "Export CSV (all fields)" as
it is exported, or the short column names of earlier Stagegate files.

Columns are matched by name, case-insensitively, Jira's own names included (``Issue key``, ``Issue Type``,
``Custom field (Story Points)`` or, on Jira Cloud team-managed projects, ``Custom field (Story point
estimate)``); the dozens of other columns Jira writes are ignored. Dates may be ISO or Jira's (Server
``03/Dec/26 2:15 PM``, Cloud ``03/Dec/2026 2:15 PM``), in the portal's time zone.

The import rebuilds history, not only the current state, so that burndowns come out right:

* an issue is created at its ``created`` time in its first sprint, in an open state; a done (or cancelled)
  issue moves there at its ``resolved`` time: that is when it burned down. A done issue without ``resolved``
  is refused rather than guessed;
* an issue that lists several sprints (Jira writes one ``Sprint`` column per sprint) was carried over: it
  belongs to its last sprint and moves into each next sprint when that sprint starts, so every earlier sprint
  had it in scope and did not complete it;
* the sprints' dates, their start and their close: see ``metrics.scrum.imports.jira_sprints``;
* rows are applied oldest ``created`` first; an issue that already exists (same key) is updated, not
  duplicated: importing the same file twice changes nothing, and an edit dated before a close that froze the
  sprint is refused by the services.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from metrics.imports.base import Column, Rows, register_import
from metrics.scrum.choices import CONTAINER_TYPES, JIRA_STATUSES, JIRA_TYPES, ItemType, StateGroup
from metrics.scrum.imports.common import DATE_HELP, Cells, TeamImport, by_time, describe
from metrics.scrum.imports.jira_sprints import (
    ROW_SPRINTS,
    SprintDates,
    row_new_sprint_dates,
    row_sprint,
    row_sprint_names,
    sprint_start,
    sprints_plan,
    sprints_settle,
)
from metrics.scrum.models import Sprint, Team, WorkItem
from metrics.scrum.services import sprints as services
from portal.models import User

_RESOLVED_STATES = (StateGroup.DONE, StateGroup.CANCELLED)


@register_import
class JiraIssuesImport(TeamImport):
    kind = "jira-issues"
    label = "Jira issues"
    description = (
        "Jira's issue export (CSV, all fields), as exported. History is rebuilt: each issue is created at "
        "'Created' and burns down at 'Resolved'; an issue listed in several sprints was carried over to its last. "
        "Sprints the team does not have are created (the preview asks for their dates), started, and closed once "
        "their end has passed (closing freezes them). Issues are matched by key: importing again updates them."
    )
    columns = (
        Column("key", help="The issue key; unique in the team.", example="ML-142", aliases=("Issue key",)),
        Column(
            "type",
            help="Issue type. " + describe(JIRA_TYPES, ItemType) + ".",
            example="Story",
            aliases=("Issue Type",),
        ),  # fmt: skip
        Column(
            "status",
            help="Status, mapped to a state group. " + describe(JIRA_STATUSES, StateGroup) + ".",
            example="Done",
        ),
        Column(
            "story points",
            required=False,
            help="Empty = not estimated.",
            example="5",
            aliases=("Custom field (Story Points)", "Custom field (Story point estimate)", "Story point estimate"),
        ),  # fmt: skip
        Column(
            "sprint",
            required=False,
            help="Sprint name; empty = backlog. Repeated for an issue carried over: it belongs to the last one.",
            example="Sprint 7",
            repeats=True,
        ),  # fmt: skip
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
            help="First day of a sprint that does not exist yet (00:00 that day); else the preview asks for it.",
            example="2026-11-02",
        ),  # fmt: skip
        Column(
            "sprint end",
            required=False,
            help="Last day of a sprint that does not exist yet (closed at its end); else the preview asks for it.",
            example="2026-11-13",
        ),  # fmt: skip
    )

    def leave_out(self, rows: Rows) -> tuple[Rows, str]:
        """Epics (and initiatives) are containers of issues, not sprint work: a full export lists them, and they
        are left out, said on the preview, rather than refused."""
        kept = [(line, row) for line, row in rows if (row.get("type") or "").strip().lower() not in CONTAINER_TYPES]
        if len(kept) == len(rows):
            return rows, ""
        return kept, f"{len(rows) - len(kept)} epic(s) left out: epics group issues and are not sprint work."

    def prepare(self, scope: Any, rows: Rows, inputs: dict[str, Any]) -> Rows:
        """Oldest 'created' first, each row knowing its sprints and their dates (see ``sprints_plan``)."""
        return sprints_plan(scope, by_time(rows, lambda row: row.get("created", "")), inputs)

    def after_rows(self, actor: User, scope: Any, rows: Rows) -> None:
        sprints_settle(actor, scope, rows)

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        cells = Cells(row)
        key = cells.text("key", max_length=40)
        item_type = cells.mapped("type", JIRA_TYPES)
        state = cells.mapped("status", JIRA_STATUSES)
        points = cells.points("story points")
        created = cells.moment("created", required=True)
        resolved = cells.moment("resolved")
        title = cells.text("summary", required=False) or key
        names: list[str] = json.loads(row.get(ROW_SPRINTS, "[]"))
        for name in names:
            if len(name) > 120:
                cells.errors["sprint"] = "A sprint name has at most 120 characters."
        if state == StateGroup.DONE and resolved is None and "resolved" not in cells.errors:
            cells.errors["resolved"] = "Required for a done issue: when it was done."
        if created and resolved and resolved < created:
            cells.errors["resolved"] = "Before 'created'."
        self._check_file_dates(cells, row)
        cells.check()
        assert created is not None
        dates = row_new_sprint_dates(row)
        sprints = [row_sprint(actor, scope, name, dates.get(name)) for name in names]
        moves = self._carry_overs(cells, sprints, dates, created, resolved if state in _RESOLVED_STATES else None)
        cells.check()
        issue = _Issue(key, title, item_type, points, state, created, resolved if state in _RESOLVED_STATES else None)
        existing = WorkItem.objects.filter(team=scope, key=key).select_related("sprint").first()
        if existing is None:
            self._create(actor, scope, issue, sprints[0] if sprints else None, moves)
        else:
            self._update(actor, existing, issue, sprints, moves)

    @staticmethod
    def _check_file_dates(cells: Cells, row: dict[str, str]) -> None:
        """The file's own 'sprint start' / 'sprint end' cells: readable, and the same on every row of a sprint."""
        own = row_sprint_names(row)
        shared = row_new_sprint_dates(row).get(own[-1]) if own else None
        start = cells.moment("sprint start", future_ok=True)
        end = cells.moment("sprint end", end_of_day=True)
        for column, given, expected in (
            ("sprint start", start, shared and shared.start),
            ("sprint end", end, shared and shared.end),
        ):
            if given is not None and expected is not None and given != expected:
                cells.errors[column] = f"Differs from another row of the same sprint ({expected:%Y-%m-%d %H:%M})."
        if start and end and end < start:
            cells.errors.setdefault("sprint end", "Before the sprint start.")

    @staticmethod
    def _carry_overs(
        cells: Cells,
        sprints: list[Sprint],
        dates: dict[str, SprintDates],
        created: datetime.datetime,
        resolved: datetime.datetime | None,
    ) -> list[tuple[Sprint, datetime.datetime]]:
        """Each later sprint with the moment the issue moved into it (when that sprint started)."""
        moves = [(sprint, sprint_start(sprint, dates.get(sprint.name))) for sprint in sprints[1:]]
        for sprint, at in moves:
            if at <= created:
                cells.errors["created"] = f"After sprint '{sprint.name}' started ({at:%Y-%m-%d}): not carried over."
            elif resolved is not None and resolved < at:
                cells.errors["resolved"] = f"Before it was carried over to sprint '{sprint.name}' ({at:%Y-%m-%d})."
            elif at > timezone.now():
                cells.errors["sprint"] = f"Carried over to sprint '{sprint.name}', which starts in the future."
        return moves

    @staticmethod
    def _create(
        actor: User, team: Team, issue: _Issue, first: Sprint | None, moves: list[tuple[Sprint, datetime.datetime]]
    ) -> None:
        # Open until it was resolved: a done issue burns down at 'resolved', not at 'created'.
        opening_state = StateGroup.TODO if issue.resolved is not None else issue.state
        item = services.work_item_create(
            actor=actor,
            team=team,
            key=issue.key,
            title=issue.title,
            item_type=issue.item_type,
            points=issue.points,
            state_group=opening_state,
            sprint=first,
            at=issue.created,
        )
        for sprint, at in moves:  # carried over: not done in the sprint it leaves
            item = services.work_item_update(actor=actor, item=item, changes={"sprint": sprint}, at=at)
        if issue.resolved is not None:
            changes = {"state_group": issue.state, "resolved_at": issue.resolved}
            services.work_item_update(actor=actor, item=item, changes=changes, at=issue.resolved)

    @staticmethod
    def _update(
        actor: User, item: WorkItem, issue: _Issue, sprints: list[Sprint], moves: list[tuple[Sprint, datetime.datetime]]
    ) -> None:
        """An issue imported before: the carry-overs it has had since, then its current fields."""
        earlier = [sprint.pk for sprint in sprints[:-1]]
        if item.sprint_id in earlier:
            for sprint, at in moves[earlier.index(item.sprint_id) :]:
                item = services.work_item_update(actor=actor, item=item, changes={"sprint": sprint}, at=at)
        changes: dict[str, Any] = {
            "title": issue.title,
            "item_type": issue.item_type,
            "points": issue.points,
            "sprint": sprints[-1] if sprints else None,
            "state_group": issue.state,
        }
        if issue.resolved is not None:
            changes["resolved_at"] = issue.resolved
        when = issue.resolved if issue.resolved is not None and item.state_group != issue.state else None
        services.work_item_update(actor=actor, item=item, changes=changes, at=when)


@dataclass(frozen=True)
class _Issue:
    """One row's issue, read and checked (``resolved`` only for a done or cancelled issue)."""

    key: str
    title: str
    item_type: str
    points: Any
    state: str
    created: datetime.datetime
    resolved: datetime.datetime | None
