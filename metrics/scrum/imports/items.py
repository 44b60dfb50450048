"""CSV imports of the scrum area (scope: a team): native work items, retrospective actions and mood votes; the
Jira-style issue export is in ``scrum_jira``. Every row goes through the scrum services, so the rules (and the
change log) are the form's. Rows are matched on their natural key, so importing a file twice adds nothing.
"""

from __future__ import annotations

from typing import Any

from metrics.imports.base import Column, register_import
from metrics.scrum.choices import ItemType, StateGroup
from metrics.scrum.imports.common import DATE_HELP, Cells, Rows, TeamImport, by_time, team_sprint
from metrics.scrum.models import MoodVote, RetroAction, Team, WorkItem
from metrics.scrum.services import sprints as services
from portal.exceptions import ValidationFailed
from portal.models import User

# --- native work items -----------------------------------------------------------------------------------------


@register_import
class WorkItemsImport(TeamImport):
    kind = "work-items"
    label = "Work items"
    description = "Stagegate's own work-item format. Items are matched by key: importing again updates them."
    columns = (
        Column("key", help="Unique in the team.", example="ML-142"),
        Column("title", example="Score churn nightly"),
        Column("type", help="story, defect or task.", example="story"),
        Column("points", required=False, help="Empty = not estimated; at most one decimal.", example="3"),
        Column("state", help="backlog, todo, in_progress, done or cancelled.", example="in_progress"),
        Column("sprint", required=False, help="Name of an existing sprint; empty = backlog.", example="Sprint 7"),
        Column("created", required=False, help=f"When the item was created ({DATE_HELP}); default now.", example=""),
        Column("changed", required=False, help="When an existing item changed; default now.", example=""),
    )

    def ordered(self, rows: Rows) -> Rows:
        return by_time(rows, lambda row: row.get("changed", "") or row.get("created", ""))

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        cells = Cells(row)
        key = cells.text("key", max_length=40)
        title = cells.text("title")
        item_type = cells.mapped("type", {value: value for value in ItemType.values})
        state = cells.mapped("state", {value: value for value in StateGroup.values})
        points = cells.points("points")
        sprint_name = cells.text("sprint", required=False, max_length=120)
        created = cells.moment("created")
        changed = cells.moment("changed")
        cells.check()
        sprint = team_sprint(scope, sprint_name) if sprint_name else None
        values = {"title": title, "item_type": item_type, "points": points, "state_group": state, "sprint": sprint}
        existing = WorkItem.objects.filter(team=scope, key=key).first()
        if existing is None:
            services.work_item_create(actor=actor, team=scope, key=key, at=created, **values)
        else:
            services.work_item_update(actor=actor, item=existing, changes=values, at=changed)


# --- retrospective actions and mood ----------------------------------------------------------------------------


def _person(team: Team, username: str, column: str) -> User | None:
    if not username:
        return None
    person = User.objects.filter(username=username, memberships__portfolio_id=team.portfolio_id).first()
    if person is None:
        raise ValidationFailed(f"No one named '{username}' in the portfolio.", details={column: "Unknown person."})
    return person


@register_import
class RetroActionsImport(TeamImport):
    kind = "retro-actions"
    label = "Retrospective actions"
    description = "Actions raised at a sprint's retrospective. The same action (sprint and text) is not added twice."
    columns = (
        Column("sprint", help="Name of a started sprint.", example="Sprint 7"),
        Column("action", help="What the team will do.", example="Split stories above 8 points"),
        Column("owner", required=False, help="Username of a portfolio member.", example="pm"),
        Column("raised", required=False, help=f"When it was raised ({DATE_HELP}); default now.", example=""),
        Column("closed", required=False, help="When it was done; empty = still open.", example=""),
    )

    def ordered(self, rows: Rows) -> Rows:
        return by_time(rows, lambda row: row.get("raised", ""))

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        cells = Cells(row)
        sprint_name = cells.text("sprint", max_length=120)
        text = cells.text("action", max_length=2000)
        username = cells.text("owner", required=False, max_length=150)
        raised = cells.moment("raised")
        closed = cells.moment("closed")
        if raised and closed and closed < raised:
            cells.errors["closed"] = "Before 'raised'."
        cells.check()
        sprint = team_sprint(scope, sprint_name)
        owner = _person(scope, username, "owner")
        action = RetroAction.objects.filter(sprint=sprint, text=text).first()
        if action is None:
            action = services.retro_action_add(actor=actor, sprint=sprint, text=text, owner=owner, at=raised)
        if closed is not None and action.closed_at is None:
            services.retro_action_close(actor=actor, action=action, at=closed)


@register_import
class MoodVotesImport(TeamImport):
    kind = "mood-votes"
    label = "Mood votes"
    description = (
        "Your own mood per sprint (1 bad to 5 great); voting again replaces the score. Each member records their "
        "own vote: a row naming someone else is refused."
    )
    columns = (
        Column("sprint", help="Name of a started sprint.", example="Sprint 7"),
        Column("score", help="1 to 5.", example="4"),
        Column("person", required=False, help="Your username (empty = you).", example=""),
        Column("voted", required=False, help=f"When ({DATE_HELP}); default now.", example=""),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        cells = Cells(row)
        sprint_name = cells.text("sprint", max_length=120)
        raw_score = cells.text("score", max_length=2)
        username = cells.text("person", required=False, max_length=150)
        voted = cells.moment("voted")
        score = int(raw_score) if raw_score.isdigit() else None
        if raw_score and score is None:
            cells.errors["score"] = "A whole number from 1 to 5."
        if username and username != actor.get_username():
            cells.errors["person"] = "Only your own vote can be recorded."
        cells.check()
        assert score is not None
        sprint = team_sprint(scope, sprint_name)
        previous = MoodVote.objects.filter(sprint=sprint, person=actor).values_list("score", flat=True).first()
        if previous != score:
            services.mood_vote_record(actor=actor, sprint=sprint, score=score, at=voted)
