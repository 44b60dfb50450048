"""CSV imports of the portfolio inputs of a project (and capacity, of a portfolio): budgets, costs, people.

Each row goes through the same service as the form (``services.resources``); column names are the
services' field names, so a refused field's message lands on its own column in the preview. People are named by
username or e-mail address. Status reports, risks, issues, benefits and milestones are in ``imports.health``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse

from lifecycle.models import Project
from metrics.imports.base import Column, ImportSpec, register_import
from metrics.input_rules import require_manager
from metrics.portfolio_inputs.services import resources as services
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_manage_portfolio, roles_in
from portfolio.models import Membership, Portfolio

# --- shared pieces --------------------------------------------------------------------------------------------


def find_person(value: str, field: str, *, required: bool = True) -> User | None:
    """The user named by username or e-mail (case-insensitive); ValidationFailed on ``field`` otherwise."""
    if not value:
        if required:
            raise ValidationFailed(f"The {field} is missing.", details={field: "Required: a username or e-mail."})
        return None
    matches = list(User.objects.filter(Q(username__iexact=value) | Q(email__iexact=value))[:2])
    if len(matches) != 1:
        problem = "No user" if not matches else "More than one user"
        raise ValidationFailed(f"{problem} matches {value!r}.", details={field: f"{problem} matches {value!r}."})
    return matches[0]


def renamed(exc: ValidationFailed, names: dict[str, str]) -> ValidationFailed:
    """The service's error with its field names mapped to the file's column names."""
    details = exc.details if isinstance(exc.details, dict) else {}
    return ValidationFailed(exc.message, details={names.get(k, k): v for k, v in details.items()})


def sort_key_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return datetime.date.max  # unreadable dates are refused by the service; keep them last


class ProjectImport(ImportSpec):
    """Inputs of one project, written by the portfolio's program and project managers."""

    scope_model = Project
    section: str = ""  # the project's input page listing these rows (metrics.portfolio_inputs.views.sections)

    def check_scope(self, actor: User, scope: Any) -> None:
        require_manager(actor, scope, f"import {self.label.lower()}")

    def scope_url(self, scope: Any) -> str:
        if self.section:
            return reverse("project-input-section", args=[scope.pk, self.section])
        return reverse("project-inputs", args=[scope.pk])


# --- budgets and costs ----------------------------------------------------------------------------------------


@register_import
class BudgetImport(ProjectImport):
    kind = "budgets"
    section = "budgets"
    label = "Budgets"
    description = "The planned spend per calendar month; a month already budgeted is replaced."
    columns = (
        Column(
            "period_start", help="The month: its first day (2026-03-01) or year-month (2026-03).", example="2026-03"
        ),
        Column("amount", help="Planned spend that month, 0 or more, at most 2 decimals.", example="12000"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        month = row["period_start"]
        if len(month) == 7 and month[4] == "-":
            month += "-01"
        services.budget_set(actor=actor, project=scope, period_start=month, amount=row["amount"])


@register_import
class CostEntryImport(ProjectImport):
    kind = "cost-entries"
    section = "costs"
    label = "Cost entries"
    description = "Money actually spent, one row per entry. Every row adds an entry."
    columns = (
        Column("day", help="The date of the cost (YYYY-MM-DD).", example="2026-03-14"),
        Column("amount", help="Amount spent, 0 or more.", example="1840.50"),
        Column(
            "category",
            required=False,
            help="labour, infrastructure, licences, data, services or other (default other).",
            example="infrastructure",
        ),
        Column("note", required=False, help="Up to 300 characters.", example="GPU hours, March"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        services.cost_entry_add(
            actor=actor,
            project=scope,
            day=row["day"],
            amount=row["amount"],
            category=(row.get("category") or "other").lower(),
            note=row.get("note", ""),
        )


# --- people and time ------------------------------------------------------------------------------------------


@register_import
class AllocationImport(ProjectImport):
    kind = "allocations"
    section = "allocations"
    label = "Allocations"
    description = "Hours a person is planned on the project per week; a week already planned is replaced."
    columns = (
        Column("person", help="Username or e-mail of a member of the portfolio.", example="ds"),
        Column("week", help="The Monday of the week (YYYY-MM-DD).", example="2026-03-02"),
        Column("hours", help="Planned hours that week, 0 to 168 (0 frees the person).", example="16"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        person = find_person(row["person"], "person")
        assert person is not None  # required
        services.allocation_set(actor=actor, person=person, project=scope, week=row["week"], hours=row["hours"])


@register_import
class TimeEntryImport(ProjectImport):
    kind = "time-entries"
    section = "time"
    label = "Time entries"
    description = "Hours worked on the project. Managers log anyone's time; members log their own."
    columns = (
        Column("person", required=False, help="Username or e-mail; blank means you.", example="ds"),
        Column("day", help="The day worked (YYYY-MM-DD).", example="2026-03-03"),
        Column("hours", help="More than 0, at most 24 a day in total.", example="6.5"),
        Column("note", required=False, help="Up to 300 characters.", example="Feature engineering"),
    )

    def check_scope(self, actor: User, scope: Any) -> None:
        if not (actor.is_superuser or roles_in(actor, scope.portfolio_id)):
            raise NotAllowed("Only members of the project's portfolio can log time on it.")

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        person = find_person(row.get("person", ""), "person", required=False) or actor
        services.time_entry_add(
            actor=actor, person=person, project=scope, day=row["day"], hours=row["hours"], note=row.get("note", "")
        )


@register_import
class CapacityImport(ImportSpec):
    kind = "capacity"
    label = "Capacity"
    description = "Working and leave hours per person and week; a week already set is replaced."
    scope_model = Portfolio
    columns = (
        Column("person", help="Username or e-mail of a member of the portfolio.", example="ds"),
        Column("week", help="The Monday of the week (YYYY-MM-DD).", example="2026-03-02"),
        Column("working_hours", help="Contracted hours that week, 0 to 168.", example="40"),
        Column(
            "leave_hours", required=False, help="Hours of leave, at most the working hours (default 0).", example="8"
        ),
    )

    def check_scope(self, actor: User, scope: Any) -> None:
        if not can_manage_portfolio(actor, scope.pk):
            raise NotAllowed("Only the portfolio's program or project managers can set capacity.")

    def scope_url(self, scope: Any) -> str:
        return reverse("portfolio-capacity", args=[scope.pk])

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        person = find_person(row["person"], "person")
        assert person is not None  # required
        if not Membership.objects.filter(user=person, portfolio=scope).exists():
            raise ValidationFailed(
                f"{person} is not a member of {scope}.", details={"person": f"Not a member of {scope}."}
            )
        services.capacity_set(
            actor=actor,
            person=person,
            week=row["week"],
            working_hours=row["working_hours"],
            leave_hours=row.get("leave_hours") or 0,
        )
