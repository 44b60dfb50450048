"""Scrum writes: teams, the sprint lifecycle (create, start, close, reopen), retrospective actions, mood votes.

Work items and their change log are in ``scrum_items`` (re-exported here). Conventions as in
``lifecycle.services``: keyword-only, one transaction, the team row locked first, a DomainError on refusal
(nothing written), an audit record in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from lifecycle.models import Project
from lifecycle.services.audit import json_safe
from metrics.formulas.scrum import sprint_summary
from metrics.scrum.adapters import as_formula_sprint, work_item_changes
from metrics.scrum.choices import MOOD_SCORES, SprintState
from metrics.scrum.models import MoodVote, RetroAction, Sprint, SprintReopening, Team
from metrics.scrum.services.common import audit_team, clean_text, lock_team, moment, require_team_writer
from metrics.scrum.services.items import work_item_create, work_item_update
from metrics.snapshots.requests import compute_request_for_team
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_manage_portfolio, is_member_of
from portfolio.models import Portfolio

__all__ = [
    "mood_vote_record",
    "retro_action_add",
    "retro_action_close",
    "sprint_close",
    "sprint_create",
    "sprint_reopen",
    "sprint_start",
    "team_create",
    "work_item_create",
    "work_item_update",
]


def sprint_snapshot(sprint: Sprint) -> dict[str, Any]:
    return json_safe(
        {
            "name": sprint.name,
            "state": sprint.state,
            "planned_start": sprint.planned_start,
            "planned_end": sprint.planned_end,
            "started_at": sprint.started_at,
            "completed_at": sprint.completed_at,
            "last_closed_at": sprint.last_closed_at,
            "reopen_count": sprint.reopen_count,
        }
    )


# --- teams ----------------------------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *, actor: User, portfolio: Portfolio, name: str, project: Project | None = None, members: Iterable[User] = ()
) -> Team:
    if not can_manage_portfolio(actor, portfolio.pk):
        raise NotAllowed("Only the portfolio's program or project managers can create teams.")
    name = clean_text(name, "name", "The team's name", 120)
    if project is not None and project.portfolio_id != portfolio.pk:
        raise ValidationFailed("The project belongs to another portfolio.", details={"project": "Other portfolio."})
    people = list(members)
    strangers = sorted(person.username for person in people if not is_member_of(person.pk, portfolio.pk))
    if strangers:
        raise ValidationFailed(
            "Team members must belong to the portfolio: " + ", ".join(strangers) + ".",
            details={"members": strangers},
        )
    if Team.objects.filter(portfolio=portfolio, name=name).exists():
        raise ValidationFailed(f"A team named '{name}' already exists.", details={"name": "Taken."})
    try:
        with transaction.atomic():
            team = Team.objects.create(portfolio=portfolio, project=project, name=name)
    except IntegrityError as exc:  # a concurrent create of the same name
        raise ValidationFailed(f"A team named '{name}' already exists.", details={"name": "Taken."}) from exc
    team.members.set(people)
    after = {"name": name, "project": project.pk if project else None, "members": sorted(p.pk for p in people)}
    audit_team(actor=actor, team=team, action="scrum.team.create", target=team, after=after)
    compute_request_for_team(team)
    return team


# --- sprints --------------------------------------------------------------------------------------------------


@transaction.atomic
def sprint_create(
    *,
    actor: User,
    team: Team,
    name: str,
    planned_start: datetime.date,
    planned_end: datetime.date,
    goal: str = "",
) -> Sprint:
    team = lock_team(team)
    require_team_writer(actor, team)
    name = clean_text(name, "name", "The sprint's name", 120)
    if not all(
        isinstance(d, datetime.date) and not isinstance(d, datetime.datetime) for d in (planned_start, planned_end)
    ):
        raise ValidationFailed("Planned start and end are dates.", details={"planned_start": "Date required."})
    if planned_end < planned_start:
        raise ValidationFailed(
            f"The sprint cannot end ({planned_end}) before it starts ({planned_start}).",
            details={"planned_end": "Before the planned start."},
        )
    if team.sprints.filter(name=name).exists():
        raise ValidationFailed(f"The team already has a sprint named '{name}'.", details={"name": "Taken."})
    sprint = Sprint.objects.create(
        team=team, name=name, goal=(goal or "").strip(), planned_start=planned_start, planned_end=planned_end
    )
    audit_team(actor=actor, team=team, action="scrum.sprint.create", target=sprint, after=sprint_snapshot(sprint))
    compute_request_for_team(team)
    return sprint


def _locked_sprint(actor: User, sprint: Sprint) -> tuple[Team, Sprint]:
    team = lock_team(sprint.team)
    require_team_writer(actor, team)
    locked = Sprint.objects.select_for_update().get(pk=sprint.pk)
    locked.team = team
    return team, locked


def _refuse_second_active(team: Team, sprint: Sprint) -> None:
    other = team.sprints.filter(state=SprintState.ACTIVE).exclude(pk=sprint.pk).first()
    if other is not None:
        raise TransitionNotAllowed(f"Sprint '{other.name}' is still active; close it first.")


@transaction.atomic
def sprint_start(*, actor: User, sprint: Sprint, at: datetime.datetime | None = None) -> Sprint:
    """Start a planned sprint: the items in it at ``at`` are its commitment."""
    team, sprint = _locked_sprint(actor, sprint)
    if sprint.state != SprintState.PLANNED:
        raise TransitionNotAllowed(f"Sprint '{sprint.name}' is {sprint.get_state_display().lower()}, not planned.")
    _refuse_second_active(team, sprint)
    before = sprint_snapshot(sprint)
    sprint.state = SprintState.ACTIVE
    sprint.started_at = moment(at)
    sprint.save(update_fields=["state", "started_at"])
    audit_team(
        actor=actor, team=team, action="scrum.sprint.start", target=sprint, before=before, after=sprint_snapshot(sprint)
    )
    compute_request_for_team(team)
    return sprint


@transaction.atomic
def sprint_close(*, actor: User, sprint: Sprint, at: datetime.datetime | None = None) -> Sprint:
    """Close an active sprint. The first close computes the summary from the change log and freezes it;
    closing a reopened sprint again only records the time (the summary stays the first close's)."""
    team, sprint = _locked_sprint(actor, sprint)
    if sprint.state != SprintState.ACTIVE:
        raise TransitionNotAllowed(f"Sprint '{sprint.name}' is {sprint.get_state_display().lower()}, not active.")
    closed_at = moment(at)
    assert sprint.started_at is not None  # an active sprint has started (database constraint)
    last_event = max(filter(None, [sprint.started_at, sprint.last_closed_at, _last_reopen(sprint)]))
    if closed_at < last_event:
        raise ValidationFailed(
            f"The sprint cannot close before {last_event:%Y-%m-%d %H:%M} (its last start or reopen).",
            details={"at": "Too early."},
        )
    before = sprint_snapshot(sprint)
    sprint.state = SprintState.CLOSED
    sprint.last_closed_at = closed_at
    if sprint.completed_at is None:
        sprint.completed_at = closed_at
        summary = sprint_summary(work_item_changes(sprint), as_formula_sprint(sprint))
        sprint.summary = json_safe(dataclasses.asdict(summary))
    sprint.save(update_fields=["state", "last_closed_at", "completed_at", "summary"])
    after = {**sprint_snapshot(sprint), "summary": sprint.summary}
    audit_team(actor=actor, team=team, action="scrum.sprint.close", target=sprint, before=before, after=after)
    compute_request_for_team(team)
    return sprint


def _last_reopen(sprint: Sprint) -> datetime.datetime | None:
    return sprint.reopenings.order_by("-at").values_list("at", flat=True).first()


@transaction.atomic
def sprint_reopen(*, actor: User, sprint: Sprint, reason: str, at: datetime.datetime | None = None) -> Sprint:
    """Reopen a closed sprint (recorded with its reason). Its frozen summary and first close stay as they are."""
    team, sprint = _locked_sprint(actor, sprint)
    if sprint.state != SprintState.CLOSED:
        raise TransitionNotAllowed(f"Sprint '{sprint.name}' is {sprint.get_state_display().lower()}, not closed.")
    reason = clean_text(reason, "reason", "A reason for reopening", 2000)
    reopened_at = moment(at)
    assert sprint.last_closed_at is not None
    if reopened_at < sprint.last_closed_at:
        raise ValidationFailed("A sprint cannot reopen before it closed.", details={"at": "Before the close."})
    _refuse_second_active(team, sprint)
    before = sprint_snapshot(sprint)
    sprint.state = SprintState.ACTIVE
    sprint.reopen_count += 1
    sprint.save(update_fields=["state", "reopen_count"])
    SprintReopening.objects.create(sprint=sprint, at=reopened_at, actor=actor, reason=reason)
    audit_team(
        actor=actor,
        team=team,
        action="scrum.sprint.reopen",
        target=sprint,
        before=before,
        after=sprint_snapshot(sprint),
        reason=reason,
    )
    compute_request_for_team(team)
    return sprint


# --- retrospective actions and mood -----------------------------------------------------------------------------


@transaction.atomic
def retro_action_add(
    *, actor: User, sprint: Sprint, text: str, owner: User | None = None, at: datetime.datetime | None = None
) -> RetroAction:
    team, sprint = _locked_sprint(actor, sprint)
    if sprint.state == SprintState.PLANNED:
        raise TransitionNotAllowed("A sprint that has not started has no retrospective yet.")
    text = clean_text(text, "text", "The action", 2000)
    if owner is not None and not is_member_of(owner.pk, team.portfolio_id):
        raise ValidationFailed("The owner must belong to the portfolio.", details={"owner": "Not a member."})
    action = RetroAction.objects.create(sprint=sprint, text=text, owner=owner, raised_at=moment(at))
    after = {"sprint": sprint.pk, "text": text, "owner": owner.pk if owner else None}
    audit_team(actor=actor, team=team, action="scrum.retro.add", target=action, after=after)
    compute_request_for_team(team)
    return action


@transaction.atomic
def retro_action_close(*, actor: User, action: RetroAction, at: datetime.datetime | None = None) -> RetroAction:
    team = lock_team(action.sprint.team)
    require_team_writer(actor, team)
    action = RetroAction.objects.select_for_update().get(pk=action.pk)
    if action.closed_at is not None:
        raise TransitionNotAllowed("This retrospective action is already closed.")
    closed_at = moment(at)
    if closed_at < action.raised_at:
        raise ValidationFailed("An action cannot close before it was raised.", details={"at": "Before raised."})
    action.closed_at = closed_at
    action.save(update_fields=["closed_at"])
    audit_team(
        actor=actor,
        team=team,
        action="scrum.retro.close",
        target=action,
        before={"closed_at": None},
        after=json_safe({"closed_at": closed_at}),
    )
    compute_request_for_team(team)
    return action


@transaction.atomic
def mood_vote_record(*, actor: User, sprint: Sprint, score: int, at: datetime.datetime | None = None) -> MoodVote:
    """The actor's own mood for the sprint; voting again replaces the score. Team members only."""
    team = lock_team(sprint.team)
    if not (team.members.filter(pk=actor.pk).exists() and is_member_of(actor.pk, team.portfolio_id)):
        raise NotAllowed("Only the team's members vote on its mood.")
    sprint = Sprint.objects.get(pk=sprint.pk)
    if sprint.state == SprintState.PLANNED:
        raise TransitionNotAllowed("Mood is voted once the sprint has started.")
    if isinstance(score, bool) or not isinstance(score, int) or score not in MOOD_SCORES:
        raise ValidationFailed(
            f"Mood is a whole number from {MOOD_SCORES.start} to {MOOD_SCORES.stop - 1}.", details={"score": "Invalid."}
        )
    voted_at = moment(at)
    previous = MoodVote.objects.filter(sprint=sprint, person=actor).first()
    vote, _created = MoodVote.objects.update_or_create(
        sprint=sprint, person=actor, defaults={"score": score, "voted_at": voted_at}
    )
    audit_team(
        actor=actor,
        team=team,
        action="scrum.mood.record",
        target=vote,
        before={"score": previous.score} if previous else None,
        after={"score": score},
    )
    compute_request_for_team(team)
    return vote
