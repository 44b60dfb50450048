"""Writes of the portfolio inputs: budgets, costs, capacity, allocations and time.

Status reports, risks and issues are in ``services.health``, benefits in ``services.benefits``. Every function is
keyword-only and atomic, checks the actor's rights first, validates every field before writing (one
ValidationFailed listing them all), and leaves one audit record per change.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from metrics.input_rules import (
    Errors,
    check_member,
    lock_or_create,
    raise_if_errors,
    read_choice,
    read_date,
    read_decimal,
    read_text,
    require_manager,
    update_and_audit,
)
from metrics.portfolio_inputs.choices import CostCategory
from metrics.portfolio_inputs.models import Allocation, BudgetPeriod, Capacity, CostEntry, TimeEntry
from metrics.snapshots.requests import compute_request_for_person, compute_request_for_project
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_log_time, manages_person

__all__ = [
    "allocation_set",
    "budget_set",
    "cost_entry_add",
    "cost_entry_update",
    "capacity_set",
    "time_entry_add",
]

HOURS_IN_WEEK = 168
HOURS_IN_DAY = 24
NOTE_MAX_LENGTH = 300


def _check_monday(errors: Errors, field: str, week: datetime.date | None) -> None:
    if week is not None and week.isoweekday() != 1:
        errors[field] = f"A week is given by its Monday; {week} is a {week:%A}."


# --- budget and costs -----------------------------------------------------------------------------------------


@transaction.atomic
def budget_set(*, actor: User, project: Project, period_start: Any, amount: Any) -> BudgetPeriod:
    """Set the planned spend of one month (upsert on project + month). BAC is the sum of the months."""
    require_manager(actor, project, "set the project's budget")
    errors: Errors = {}
    start = read_date(errors, "period_start", period_start)
    value = read_decimal(errors, "amount", amount)
    if start is not None and start.day != 1:
        errors["period_start"] = f"A budget period is a calendar month: give its first day, not {start}."
    raise_if_errors(errors, "The budget period is invalid.")
    assert start is not None and value is not None  # checked above
    row, created = lock_or_create(BudgetPeriod, {"project": project, "period_start": start}, {"amount": value})
    before = None if created else {"period_start": start, "amount": row.amount}
    if not created:
        if row.amount == value:
            return row
        row.amount = value
        row.save(update_fields=["amount", "updated_at"])
    audit_write(
        actor=actor,
        action="budget.set",
        target=row,
        project=project,
        before=before,
        after={"period_start": start, "amount": value},
    )
    compute_request_for_project(project)
    return row


def _cost_fields(errors: Errors, *, day: Any, amount: Any, category: Any, note: Any) -> dict[str, Any]:
    return {
        "day": read_date(errors, "day", day),
        "amount": read_decimal(errors, "amount", amount),
        "category": read_choice(errors, "category", category, CostCategory),
        "note": read_text(errors, "note", note, max_length=NOTE_MAX_LENGTH, required=False),
    }


def _cost_snapshot(entry: CostEntry) -> dict[str, Any]:
    return {"day": entry.day, "amount": entry.amount, "category": entry.category, "note": entry.note}


@transaction.atomic
def cost_entry_add(
    *, actor: User, project: Project, day: Any, amount: Any, category: str = CostCategory.OTHER, note: str = ""
) -> CostEntry:
    require_manager(actor, project, "record the project's costs")
    errors: Errors = {}
    fields = _cost_fields(errors, day=day, amount=amount, category=category, note=note)
    raise_if_errors(errors, "The cost entry is invalid.")
    entry = CostEntry.objects.create(project=project, created_by=actor, **fields)
    audit_write(actor=actor, action="cost_entry.add", target=entry, project=project, after=_cost_snapshot(entry))
    compute_request_for_project(project)
    return entry


@transaction.atomic
def cost_entry_update(*, actor: User, entry: CostEntry, changes: dict[str, Any], reason: str) -> CostEntry:
    """Correct a cost entry (costs are corrected, never entered negative). A reason is required."""
    entry = CostEntry.objects.select_for_update().select_related("project").get(pk=entry.pk)
    require_manager(actor, entry.project, "correct the project's costs")
    unknown = set(changes) - {"day", "amount", "category", "note"}
    if unknown:
        raise ValidationFailed("These fields cannot be changed: " + ", ".join(sorted(unknown)) + ".")
    errors: Errors = {}
    merged = {**_cost_snapshot(entry), **changes}
    fields = _cost_fields(errors, **merged)
    if not reason.strip():
        errors["reason"] = "Say why the cost entry is corrected."
    raise_if_errors(errors, "The correction is invalid.")
    changed = update_and_audit(
        actor=actor,
        instance=entry,
        fields=fields,
        snapshot=_cost_snapshot,
        action="cost_entry.update",
        project=entry.project,
        reason=reason,
    )
    if changed:
        compute_request_for_project(entry.project)
    return entry


# --- capacity, allocations and time ---------------------------------------------------------------------------


@transaction.atomic
def capacity_set(*, actor: User, person: User, week: Any, working_hours: Any, leave_hours: Any = 0) -> Capacity:
    """Set a person's working and leave hours for one ISO week (upsert on person + Monday)."""
    if not manages_person(actor, person):
        raise NotAllowed("Only a program or project manager of a portfolio this person belongs to can set capacity.")
    errors: Errors = {}
    monday = read_date(errors, "week", week)
    _check_monday(errors, "week", monday)
    working = read_decimal(errors, "working_hours", working_hours, maximum=HOURS_IN_WEEK)
    leave = read_decimal(errors, "leave_hours", leave_hours, maximum=HOURS_IN_WEEK)
    if working is not None and leave is not None and leave > working:
        errors["leave_hours"] = f"Leave ({leave} h) cannot exceed the working hours ({working} h)."
    raise_if_errors(errors, "The capacity is invalid.")
    assert monday is not None and working is not None and leave is not None  # checked above
    row, created = lock_or_create(
        Capacity, {"person": person, "week": monday}, {"working_hours": working, "leave_hours": leave}
    )
    after = {"person": person.pk, "week": monday, "working_hours": working, "leave_hours": leave}
    before = None
    if not created:
        if (row.working_hours, row.leave_hours) == (working, leave):
            return row
        before = {**after, "working_hours": row.working_hours, "leave_hours": row.leave_hours}
        row.working_hours, row.leave_hours = working, leave
        row.save(update_fields=["working_hours", "leave_hours"])
    audit_write(actor=actor, action="capacity.set", target=row, project=None, before=before, after=after)
    compute_request_for_person(person)
    return row


@transaction.atomic
def allocation_set(*, actor: User, person: User, project: Project, week: Any, hours: Any) -> Allocation:
    """Plan a person's hours on a project for one ISO week (upsert on person + project + Monday; 0 frees it)."""
    require_manager(actor, project, "allocate people to the project")
    errors: Errors = {}
    monday = read_date(errors, "week", week)
    _check_monday(errors, "week", monday)
    value = read_decimal(errors, "hours", hours, maximum=HOURS_IN_WEEK)
    check_member(errors, "person", person, project.portfolio_id)
    raise_if_errors(errors, "The allocation is invalid.")
    assert monday is not None and value is not None  # checked above
    row, created = lock_or_create(Allocation, {"person": person, "project": project, "week": monday}, {"hours": value})
    after = {"person": person.pk, "week": monday, "hours": value}
    before = None
    if not created:
        if row.hours == value:
            return row
        before = {**after, "hours": row.hours}
        row.hours = value
        row.save(update_fields=["hours"])
    audit_write(actor=actor, action="allocation.set", target=row, project=project, before=before, after=after)
    compute_request_for_person(person, project)
    return row


@transaction.atomic
def time_entry_add(*, actor: User, person: User, project: Project, day: Any, hours: Any, note: str = "") -> TimeEntry:
    if not can_log_time(actor, person, project):
        raise NotAllowed("You can log only your own time, on projects of your portfolios; managers log for anyone.")
    errors: Errors = {}
    when = read_date(errors, "day", day)
    value = read_decimal(errors, "hours", hours, minimum=0, exclusive_minimum=True, maximum=HOURS_IN_DAY)
    text = read_text(errors, "note", note, max_length=NOTE_MAX_LENGTH, required=False)
    check_member(errors, "person", person, project.portfolio_id)
    if when is not None and value is not None:
        # Lock the person's row so two entries for the same day cannot both pass the daily total check.
        User.objects.select_for_update().filter(pk=person.pk).first()
        logged = TimeEntry.objects.filter(person=person, day=when).aggregate(total=Sum("hours"))["total"]
        logged = logged or Decimal(0)
        if logged + value > HOURS_IN_DAY:
            errors["hours"] = f"{person} already has {logged:.2f} h on {when}; a day has {HOURS_IN_DAY} h."
    raise_if_errors(errors, "The time entry is invalid.")
    assert when is not None and value is not None  # checked above
    entry = TimeEntry.objects.create(person=person, project=project, day=when, hours=value, note=text, created_by=actor)
    audit_write(
        actor=actor,
        action="time_entry.add",
        target=entry,
        project=project,
        after={"person": person.pk, "day": when, "hours": value, "note": text},
    )
    compute_request_for_person(person, project)
    return entry
