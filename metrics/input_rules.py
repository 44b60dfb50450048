"""Checks shared by the portfolio and product input services: who may write, and how values are read.

Each ``read_*`` helper either returns a clean value or records a message under the field's name in
``errors``; the service raises one ValidationFailed with every message at once (``raise_if_errors``), before
anything is written.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction

from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_edit_project, can_write_product_data
from portfolio.models import Membership

Errors = dict[str, str]
M = TypeVar("M", bound=models.Model)


def require_manager(actor: User, project: Any, what: str) -> None:
    if not can_edit_project(actor, project):
        raise NotAllowed(f"Only the portfolio's program or project managers can {what}.")


def require_product_writer(actor: User, project: Any, what: str) -> None:
    if not can_write_product_data(actor, project):
        raise NotAllowed(f"Only the portfolio's managers and product managers can {what}.")


def raise_if_errors(errors: Errors, message: str) -> None:
    if errors:
        raise ValidationFailed(message, details=dict(errors))


def read_decimal(
    errors: Errors,
    field: str,
    value: Any,
    *,
    places: int = 2,
    minimum: Decimal | int | None = 0,
    maximum: Decimal | int | None = None,
    exclusive_minimum: bool = False,
    max_digits: int = 14,
) -> Decimal | None:
    """A finite decimal within bounds with at most ``places`` decimals, or None with an error recorded."""
    if isinstance(value, bool) or value is None or value == "":
        errors[field] = "Required: a number."
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = f"Not a number: {value!r}."
        return None
    if not number.is_finite():
        errors[field] = "Must be a finite number."
        return None
    if minimum is not None and (number <= minimum if exclusive_minimum else number < minimum):
        errors[field] = f"Must be {'more than' if exclusive_minimum else 'at least'} {minimum}."
        return None
    if maximum is not None and number > maximum:
        errors[field] = f"Must be at most {maximum}."
        return None
    try:
        quantized = number.quantize(Decimal(1).scaleb(-places))
    except InvalidOperation:
        errors[field] = "Too large."
        return None
    if quantized != number:
        errors[field] = f"At most {places} decimal places."
        return None
    if len(quantized.as_tuple().digits) > max_digits:
        errors[field] = "Too large."
        return None
    return quantized


def read_date(errors: Errors, field: str, value: Any, *, required: bool = True) -> datetime.date | None:
    if value is None or value == "":
        if required:
            errors[field] = "Required: a date."
        return None
    if isinstance(value, datetime.datetime):
        errors[field] = "A date without a time is expected."
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = f"Not a date (YYYY-MM-DD): {value!r}."
        return None


def read_text(
    errors: Errors, field: str, value: Any, *, max_length: int, required: bool = True, strip: bool = True
) -> str:
    text = "" if value is None else str(value)
    if strip:
        text = text.strip()
    if required and not text:
        errors[field] = "Required."
    elif len(text) > max_length:
        errors[field] = f"At most {max_length} characters."
    return text


def read_choice(errors: Errors, field: str, value: Any, choices: Any, *, required: bool = True) -> str:
    text = "" if value is None else str(value)
    if not text and not required:
        return ""
    if text not in choices.values:
        errors[field] = f"One of {', '.join(choices.values)}."
    return text


def check_member(errors: Errors, field: str, person: User | None, portfolio_id: int) -> None:
    """The person (owner, time logger) must hold a role in the project's portfolio."""
    if person is None:
        return
    if not (person.is_superuser or Membership.objects.filter(user=person, portfolio_id=portfolio_id).exists()):
        errors[field] = f"{person} is not a member of this portfolio."


def lock_or_create(model: type[M], lookup: dict[str, Any], defaults: dict[str, Any]) -> tuple[M, bool]:
    """The row with the natural key ``lookup``, locked; created from ``defaults`` when missing.

    A concurrent writer may insert the same key between our read and our insert: the unique constraint refuses
    the second insert (inside a savepoint), and we lock and return the row that won, so the caller updates it.
    """
    row = model._default_manager.select_for_update().filter(**lookup).first()
    if row is not None:
        return row, False
    try:
        with transaction.atomic():
            return model._default_manager.create(**lookup, **defaults), True
    except IntegrityError:
        return model._default_manager.select_for_update().get(**lookup), False


def create_unique(model: type[M], field: str, message: str, **values: Any) -> M:
    """Insert a row whose natural key was checked just before; a concurrent insert of the same key is refused
    as the same ValidationFailed the check gives, not a server error."""
    try:
        with transaction.atomic():
            return model._default_manager.create(**values)
    except IntegrityError as exc:
        raise ValidationFailed(message, details={field: message}) from exc


def update_and_audit(
    *,
    actor: User,
    instance: models.Model,
    fields: dict[str, Any],
    snapshot: Any,
    action: str,
    project: Any,
    reason: str = "",
) -> bool:
    """Apply validated `fields`, and when anything changed save the row and audit only what changed.

    Returns whether the row changed; an edit that changes nothing writes nothing.
    """
    from lifecycle.services.audit import audit_write, changed_fields

    before = snapshot(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    before_changed, after_changed = changed_fields(before, snapshot(instance))
    if not after_changed:
        return False
    instance.save()
    audit_write(
        actor=actor,
        action=action,
        target=instance,
        project=project,
        before=before_changed,
        after=after_changed,
        reason=reason.strip(),
    )
    return True
