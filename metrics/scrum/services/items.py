"""Work items and their change log. Every change of sprint, state group, points or type writes one
``WorkItemChange`` (the item's full state after it) in the same transaction: that log is what lets the charts
be rebuilt "as of" any time, and what the sprint summary is computed from at close.

History rules (a refused change writes nothing):
* an item's changes are recorded in time order (``at`` not before its last change);
* nothing enters a closed sprint (reopen it first); items may leave one (carry-over to the next sprint);
* no change may be dated at or before the first close of a sprint the item is in before or after the change:
  that would rewrite a frozen sprint's history.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, models, transaction

from lifecycle.services.audit import changed_fields, json_safe
from metrics.scrum.choices import ItemType, SprintState, StateGroup
from metrics.scrum.models import Sprint, Team, WorkItem, WorkItemChange
from metrics.scrum.services.common import audit_team, clean_points, clean_text, lock_team, moment, require_team_writer
from metrics.snapshots.requests import compute_request_for_team
from portal.exceptions import TransitionNotAllowed, ValidationFailed
from portal.models import User

__all__ = ["LOGGED_FIELDS", "EDITABLE_FIELDS", "work_item_create", "work_item_update"]

#: The fields whose every change is written to the change log (the formulas' WorkItemChange).
LOGGED_FIELDS = ("sprint", "state_group", "points", "item_type")
EDITABLE_FIELDS = (*LOGGED_FIELDS, "title", "resolved_at", "origin_sprint", "found_in_item")


def _own_row(team: Team, model: type[models.Model], value: Any, name: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, model) or getattr(value, "team_id", None) != team.pk:
        label = name.replace("_", " ")
        raise ValidationFailed(f"The {label} must be one of this team's.", details={name: "Not one of this team's."})
    return value


def _choice(value: Any, name: str, choices: type[models.TextChoices]) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationFailed(f"The {name.replace('_', ' ')} must be one of {allowed}.", details={name: "Invalid."})
    return str(value)


def _clean_one(team: Team, name: str, value: Any) -> Any:
    if name == "title":
        return clean_text(value, "title", "The title", 300)
    if name == "points":
        return clean_points(value)
    if name == "item_type":
        return _choice(value, name, ItemType)
    if name == "state_group":
        return _choice(value, name, StateGroup)
    if name in ("sprint", "origin_sprint"):
        return _own_row(team, Sprint, value, name)
    if name == "found_in_item":
        return _own_row(team, WorkItem, value, name)
    if name == "resolved_at":
        return None if value is None else moment(value, "resolved_at")
    raise ValidationFailed(f"'{name}' is not a field that can be changed.", details={name: "Not editable."})


def _clean(team: Team, values: dict[str, Any]) -> dict[str, Any]:
    """Check and normalize whichever editable fields ``values`` holds; every problem is reported at once."""
    problems: dict[str, ValidationFailed] = {}
    clean: dict[str, Any] = {}
    for name, value in values.items():
        try:
            clean[name] = _clean_one(team, name, value)
        except ValidationFailed as exc:
            problems[name] = exc
    if len(problems) == 1:
        raise next(iter(problems.values()))
    if problems:
        details = {name: exc.message for name, exc in problems.items()}
        raise ValidationFailed("Some fields are invalid: " + ", ".join(sorted(problems)) + ".", details=details)
    return clean


def _check_links(item: WorkItem) -> None:
    """Cross-field rules on the item's state after the change."""
    if item.item_type != ItemType.DEFECT and (item.origin_sprint_id or item.found_in_item_id):
        raise ValidationFailed(
            "Only defects link to the sprint or item they were found in.", details={"item_type": "Not a defect."}
        )
    if item.found_in_item_id is not None and item.found_in_item_id == item.pk:
        raise ValidationFailed("A defect cannot be found in itself.", details={"found_in_item": "Itself."})
    if item.resolved_at is not None and item.resolved_at < item.created_at:
        raise ValidationFailed("An item cannot be resolved before it was created.", details={"resolved_at": "Early."})


def _check_history(item: WorkItem, previous_sprint: Sprint | None, at: datetime.datetime) -> None:
    last = item.changes.order_by("-at").values_list("at", flat=True).first() if item.pk else None
    if last is not None and at < last:
        raise ValidationFailed(
            f"Changes are recorded in time order; {item.key} last changed at {last:%Y-%m-%d %H:%M}.",
            details={"at": "Before the item's last change."},
        )
    sprint = item.sprint
    if sprint is not None and sprint != previous_sprint and sprint.state == SprintState.CLOSED:
        raise TransitionNotAllowed(f"Sprint '{sprint.name}' is closed; reopen it to add items.")
    for touched in {s for s in (previous_sprint, sprint) if s is not None}:
        if touched.completed_at is not None and at <= touched.completed_at:
            raise TransitionNotAllowed(
                f"Sprint '{touched.name}' closed at {touched.completed_at:%Y-%m-%d %H:%M}; a change dated before "
                "that would rewrite its frozen history."
            )


def _log(item: WorkItem, at: datetime.datetime, actor: User, changed: list[str]) -> WorkItemChange:
    return WorkItemChange.objects.create(
        item=item,
        at=at,
        sprint=item.sprint,
        state_group=item.state_group,
        points=item.points,
        item_type=item.item_type,
        changed=changed,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def item_snapshot(item: WorkItem) -> dict[str, Any]:
    return json_safe(
        {
            "key": item.key,
            "title": item.title,
            "item_type": item.item_type,
            "points": item.points,
            "state_group": item.state_group,
            "sprint": item.sprint_id,
            "resolved_at": item.resolved_at,
            "origin_sprint": item.origin_sprint_id,
            "found_in_item": item.found_in_item_id,
        }
    )


@transaction.atomic
def work_item_create(
    *,
    actor: User,
    team: Team,
    key: str,
    title: str,
    item_type: str = ItemType.STORY,
    points: Any = None,
    state_group: str = StateGroup.BACKLOG,
    sprint: Sprint | None = None,
    at: datetime.datetime | None = None,
    resolved_at: datetime.datetime | None = None,
    origin_sprint: Sprint | None = None,
    found_in_item: WorkItem | None = None,
) -> WorkItem:
    """Create an item at ``at`` (its creation time; default now) and its first change-log row (all fields).

    A defect created in a sprint without ``origin_sprint`` is linked to that sprint."""
    team = lock_team(team)
    require_team_writer(actor, team)
    key = clean_text(key, "key", "The key", 40)
    values = _clean(
        team,
        {
            "title": title,
            "item_type": item_type,
            "points": points,
            "state_group": state_group,
            "sprint": sprint,
            "origin_sprint": origin_sprint,
            "found_in_item": found_in_item,
            "resolved_at": resolved_at,
        },
    )
    created_at = moment(at)
    if values["item_type"] == ItemType.DEFECT and values["origin_sprint"] is None:
        # A defect logged into a sprint concerns that sprint's work unless told otherwise; linking it once, at
        # creation, keeps the link stable when the defect is carried over to a later sprint.
        values["origin_sprint"] = values["sprint"]
    if values["state_group"] == StateGroup.DONE and values["resolved_at"] is None:
        values["resolved_at"] = created_at
    elif values["state_group"] != StateGroup.DONE:
        values["resolved_at"] = None
    if WorkItem.objects.filter(team=team, key=key).exists():
        raise ValidationFailed(f"The team already has an item {key}.", details={"key": "Taken."})
    item = WorkItem(team=team, key=key, created_at=created_at, **values)
    _check_links(item)
    _check_history(item, None, created_at)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise ValidationFailed(f"The team already has an item {key}.", details={"key": "Taken."}) from exc
    _log(item, created_at, actor, list(LOGGED_FIELDS))
    audit_team(actor=actor, team=team, action="scrum.item.create", target=item, after=item_snapshot(item))
    compute_request_for_team(team)
    return item


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, models.Model) or isinstance(new, models.Model):
        return getattr(current, "pk", None) == getattr(new, "pk", None)
    return bool(current == new)


@transaction.atomic
def work_item_update(
    *,
    actor: User,
    item: WorkItem,
    changes: dict[str, Any],
    at: datetime.datetime | None = None,
    reason: str = "",
) -> WorkItem:
    """Apply ``changes`` (any of EDITABLE_FIELDS) at ``at`` (default now). A change of sprint, state group,
    points or type writes one change-log row with the item's full state; an edit that changes nothing writes
    nothing. Entering "done" stamps ``resolved_at`` (unless given); leaving it clears it."""
    team = lock_team(item.team)
    require_team_writer(actor, team)
    item = WorkItem.objects.select_for_update(of=("self",)).select_related("sprint").get(pk=item.pk)
    clean = _clean(team, dict(changes))
    changed_at = moment(at)
    moving = {name: value for name, value in clean.items() if not _same(getattr(item, name), value)}
    if "state_group" in moving and "resolved_at" not in clean:
        moving["resolved_at"] = changed_at if moving["state_group"] == StateGroup.DONE else None
    if not moving:
        return item
    before = item_snapshot(item)
    previous_sprint = item.sprint
    for name, value in moving.items():
        setattr(item, name, value)
    _check_links(item)
    logged = [name for name in LOGGED_FIELDS if name in moving]
    if logged:
        _check_history(item, previous_sprint, changed_at)
    item.save(update_fields=list(moving))
    if logged:
        _log(item, changed_at, actor, logged)
    old, new = changed_fields(before, item_snapshot(item))
    audit_team(actor=actor, team=team, action="scrum.item.update", target=item, before=old, after=new, reason=reason)
    compute_request_for_team(team)
    return item
