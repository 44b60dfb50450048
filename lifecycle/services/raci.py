"""The RACI grid: exactly one Accountable and at least one Responsible on every activity."""

from typing import Any

from django.db import transaction

from lifecycle.choices import RaciRole
from lifecycle.models import Project, RaciAssignment
from lifecycle.services.audit import audit_write
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_edit_project
from portfolio.models import Membership


def raci_grid(project: Project) -> dict[int, dict[int, str]]:
    """activity id -> {user id: role} for every activity of the project."""
    grid: dict[int, dict[int, str]] = {
        activity_id: {} for activity_id in project.activities.values_list("id", flat=True)
    }
    for activity_id, user_id, role in RaciAssignment.objects.filter(activity__project=project).values_list(
        "activity_id", "user_id", "role"
    ):
        grid[activity_id][user_id] = role
    return grid


def raci_problems(activities: dict[int, str], grid: dict[int, dict[int, str]]) -> dict[str, str]:
    """Messages keyed by activity name for every activity that breaks the RACI rule."""
    problems: dict[str, str] = {}
    for activity_id, name in activities.items():
        roles = list(grid.get(activity_id, {}).values())
        accountable = roles.count(RaciRole.ACCOUNTABLE)
        if accountable != 1:
            problems[name] = (
                "needs exactly one Accountable person"
                if accountable == 0
                else f"has {accountable} Accountable people; keep exactly one"
            )
        elif RaciRole.RESPONSIBLE not in roles:
            problems[name] = "needs at least one Responsible person"
    return problems


@transaction.atomic
def raci_update(
    *, actor: User, project: Project, assignments: dict[int, dict[int, str | None]], reason: str = ""
) -> dict[int, dict[int, str]]:
    """Set cells of the grid: {activity id: {user id: "R"|"A"|"C"|"I"|None}}; None or "" clears a cell.

    The whole grid must satisfy the rule after the change, or nothing is written.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can edit the RACI.")
    activities = dict(project.activities.values_list("id", "name"))
    unknown = set(assignments) - set(activities)
    if unknown:
        raise ValidationFailed("Some activities are not part of this project.", details={"activities": sorted(unknown)})
    members = set(Membership.objects.filter(portfolio_id=project.portfolio_id).values_list("user_id", flat=True))
    before = raci_grid(project)
    after: dict[int, dict[int, str]] = {key: dict(value) for key, value in before.items()}
    errors: dict[str, Any] = {}
    for activity_id, cells in assignments.items():
        for user_id, role in cells.items():
            if role in (None, ""):
                after[activity_id].pop(user_id, None)
            elif role not in RaciRole.values:
                errors[f"{activities[activity_id]}"] = f"'{role}' is not one of R, A, C, I."
            elif user_id not in members:
                errors[f"{activities[activity_id]}"] = f"User {user_id} is not a member of this portfolio."
            else:
                after[activity_id][user_id] = role
    if errors:
        raise ValidationFailed("The RACI has invalid cells.", details=errors)
    problems = raci_problems(activities, after)
    if problems:
        raise ValidationFailed(
            "Each activity needs exactly one Accountable and at least one Responsible person.", details=problems
        )
    changed = [activity_id for activity_id in activities if before[activity_id] != after[activity_id]]
    if not changed:
        return before
    RaciAssignment.objects.filter(activity_id__in=changed).delete()
    RaciAssignment.objects.bulk_create(
        [
            RaciAssignment(activity_id=activity_id, user_id=user_id, role=role)
            for activity_id in changed
            for user_id, role in after[activity_id].items()
        ]
    )
    audit_write(
        actor=actor,
        action="raci.update",
        target=project,
        project=project,
        before={activities[a]: {str(u): r for u, r in before[a].items()} for a in changed},
        after={activities[a]: {str(u): r for u, r in after[a].items()} for a in changed},
        reason=reason,
    )
    return after


def gate_people(project: Project, phase: str) -> tuple[int | None, set[int]]:
    """(Accountable user id, Consulted user ids) of the phase's gate activity."""
    accountable: int | None = None
    consulted: set[int] = set()
    for user_id, role in RaciAssignment.objects.filter(
        activity__project=project, activity__phase=phase, activity__is_gate=True
    ).values_list("user_id", "role"):
        if role == RaciRole.ACCOUNTABLE:
            accountable = user_id
        elif role == RaciRole.CONSULTED:
            consulted.add(user_id)
    return accountable, consulted
