"""Reference data that administrators keep in the Django admin: portfolios, business units, strategic goals,
artifact types and user accounts. The admin saves and deletes them through these functions, so each change
leaves its audit record in the same transaction, like every other write.

Secrets are never copied into the trail: a changed password is recorded as changed, nothing more.
"""

from typing import Any, TypeVar

from django.db import models, transaction

from lifecycle.services.audit import audit_write, changed_fields
from portal.exceptions import NotAllowed

Row = TypeVar("Row", bound=models.Model)

SECRET_FIELDS = frozenset({"password"})
# Written by Django itself on every sign-in, or request payloads a sign-in record keeps: not worth copying.
IGNORED_FIELDS = frozenset({"last_login", "get_data", "post_data"})


def _check_staff(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and (actor.is_staff or actor.is_superuser)):
        raise NotAllowed("Only administrators change reference data.")


def reference_snapshot(row: models.Model) -> dict[str, Any]:
    """The row's own columns, secrets and sign-in bookkeeping left out."""
    return {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.name not in SECRET_FIELDS | IGNORED_FIELDS
    }


def _secrets_changed(stored: models.Model | None, row: models.Model) -> dict[str, str]:
    names = [field.name for field in row._meta.concrete_fields if field.name in SECRET_FIELDS]
    return {name: "changed" for name in names if stored is None or getattr(stored, name) != getattr(row, name)}


@transaction.atomic
def reference_save(*, actor: Any, row: Row, reason: str = "") -> Row:
    """Create (no primary key yet) or change a reference row, audited as `<model>.create` or `<model>.update`."""
    _check_staff(actor)
    model = type(row)
    stored = model._default_manager.select_for_update().filter(pk=row.pk).first() if row.pk is not None else None
    row.save()
    after = {**reference_snapshot(row), **_secrets_changed(stored, row)}
    before: dict[str, Any] | None = None
    if stored is not None:
        before, after = changed_fields(reference_snapshot(stored), after)
    verb = "update" if stored is not None else "create"
    audit_write(
        actor=actor,
        action=f"{row._meta.model_name}.{verb}",
        target=row,
        project=None,
        before=before,
        after=after,
        reason=reason,
    )
    return row


@transaction.atomic
def reference_delete(*, actor: Any, row: models.Model, reason: str = "") -> None:
    _check_staff(actor)
    locked = type(row)._default_manager.select_for_update().get(pk=row.pk)
    audit_write(
        actor=actor,
        action=f"{row._meta.model_name}.delete",
        target=locked,
        project=None,
        before=reference_snapshot(locked),
        reason=reason,
    )
    locked.delete()


@transaction.atomic
def reference_password_set(*, actor: Any, user: models.Model) -> None:
    """Record that an administrator set `user`'s password (the admin's password form has just saved it)."""
    _check_staff(actor)
    audit_write(
        actor=actor, action=f"{user._meta.model_name}.update", target=user, project=None, after={"password": "changed"}
    )
