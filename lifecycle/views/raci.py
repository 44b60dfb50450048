"""The RACI grid: activities (rows, by phase) x the portfolio's people (columns), posted whole."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from lifecycle import services
from lifecycle.choices import Phase, RaciRole
from lifecycle.models import Activity, Project, RaciAssignment
from lifecycle.services.raci import raci_grid as load_raci_grid
from lifecycle.views.common import visible_project
from portal.exceptions import DomainError
from portfolio.access import can_edit_project
from portfolio.choices import Role
from portfolio.models import Membership

# Columns read left to right from who decides to who delivers.
ROLE_ORDER = [role.value for role in Role]
NO_ROLE = ""


@dataclass
class Person:
    id: int
    name: str
    roles: list[str] = field(default_factory=list)
    member: bool = True  # False: holds a RACI role but has left the portfolio (read-only column)


def _people(project: Project) -> list[Person]:
    people: dict[int, Person] = {}
    for membership in Membership.objects.filter(portfolio_id=project.portfolio_id).select_related("user"):
        user = membership.user
        person = people.setdefault(user.pk, Person(user.pk, user.get_full_name() or user.get_username()))
        person.roles.append(membership.role)
    former = (
        RaciAssignment.objects.filter(activity__project=project)
        .exclude(user_id__in=people.keys())
        .select_related("user")
    )
    for assignment in former:
        user = assignment.user
        people.setdefault(user.pk, Person(user.pk, user.get_full_name() or user.get_username(), member=False))
    for person in people.values():
        person.roles.sort(key=ROLE_ORDER.index)

    def rank(person: Person) -> tuple:
        first = ROLE_ORDER.index(person.roles[0]) if person.roles else len(ROLE_ORDER)
        return (not person.member, first, person.name.lower())

    return sorted(people.values(), key=rank)


def _posted_grid(request: HttpRequest, activities: list[Activity], people: list[Person]):
    """What the form sent, for members only: {activity id: {user id: role or None}}."""
    assignments: dict[int, dict[int, str | None]] = {}
    for activity in activities:
        cells: dict[int, str | None] = {}
        for person in people:
            if person.member:
                value = request.POST.get(f"cell-{activity.pk}-{person.id}", NO_ROLE).strip().upper()
                cells[person.id] = value or None
        assignments[activity.pk] = cells
    return assignments


def _rows(activities, people, grid, errors):
    rows = []
    for phase in Phase.ordered():
        lines = [activity for activity in activities if activity.phase == phase]
        rows.append(
            {
                "phase": phase,
                "lines": [
                    {
                        "activity": activity,
                        "cells": [
                            {"person": person, "role": grid.get(activity.pk, {}).get(person.id) or NO_ROLE}
                            for person in people
                        ],
                        "error": errors.get(activity.pk),
                    }
                    for activity in lines
                ],
            }
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def raci_grid(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    can_edit = can_edit_project(request.user, project)
    activities = list(project.activities.order_by("position", "id"))
    people = _people(project)
    grid = load_raci_grid(project)
    errors: dict[int, str] = {}
    message = ""
    if request.method == "POST":
        posted = _posted_grid(request, activities, people)
        reason = request.POST.get("reason", "")[:500]
        try:
            services.raci_update(actor=request.user, project=project, assignments=posted, reason=reason)
        except DomainError as error:
            if not can_edit:
                messages.error(request, error.message)
                return redirect("project-raci", pk=project.pk)
            message = error.message
            details = error.details if isinstance(error.details, dict) else {}
            errors = {activity.pk: str(details[activity.name]) for activity in activities if activity.name in details}
            # Show what the user chose, not what is stored, so nothing typed is lost.
            for activity_id, cells in posted.items():
                grid.setdefault(activity_id, {}).update({user_id: role or NO_ROLE for user_id, role in cells.items()})
        else:
            messages.success(request, "RACI saved.")
            return redirect("project-raci", pk=project.pk)
    context = {
        "project": project,
        "active_tab": "raci",
        "can_edit": can_edit,
        "people": people,
        "rows": _rows(activities, people, grid, errors),
        "error_message": message,
        "error_count": len(errors),
        "roles": RaciRole.choices,
        "role_labels": dict(Role.choices),
    }
    return render(request, "lifecycle/raci/grid.html", context)
