"""Charter edits: every save is a new version, and a save based on an old version is refused."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.utils import timezone

from lifecycle.models import Charter, CharterVersion, DataDictionaryEntry, DataSource, Milestone, Project, SuccessMetric
from lifecycle.services.audit import audit_write, changed_fields, json_safe
from portal.exceptions import NotAllowed, StaleEdit, ValidationFailed
from portal.models import User
from portfolio.access import can_edit_project

CHARTER_FIELDS: tuple[str, ...] = (
    "objective",
    "goal_type",
    "goal_description",
    "model_users",
    "business_process",
    "acceptance_measure",
    "expected_benefit",
    "expected_cost",
)

# section name -> (row model, its editable fields in display order)
CHARTER_SECTIONS: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "success_metrics": (SuccessMetric, ("name", "definition", "baseline", "target", "unit", "due_date")),
    "data_sources": (DataSource, ("name", "owner", "system", "is_ssot", "link")),
    "data_dictionary": (DataDictionaryEntry, ("field", "data_type", "description", "source")),
    "milestones": (Milestone, ("name", "due_date", "done")),
}


def charter_snapshot(charter: Charter) -> dict[str, Any]:
    """The whole charter as JSON-safe data: what a version stores and what diffs compare."""
    content: dict[str, Any] = {field: getattr(charter, field) for field in CHARTER_FIELDS}
    for section, (_model, fields) in CHARTER_SECTIONS.items():
        rows = getattr(charter, section).all()
        content[section] = [{field: getattr(row, field) for field in fields} for row in rows]
    return json_safe(content)


def _replace_rows(charter: Charter, section: str, rows: list[dict[str, Any]]) -> None:
    """Make the section's rows equal `rows`, keeping each row's identity where its first column is unchanged.

    Rows are matched on their first column (a metric's name, a source's name, ...), the same rule the
    version diff uses, so records that point at a row (a benefit tied to a success metric) survive edits.
    """
    model, fields = CHARTER_SECTIONS[section]
    key_field = fields[0]
    existing: dict[Any, list[models.Model]] = {}
    for row in model._default_manager.filter(charter=charter).order_by("position", "id"):
        existing.setdefault(getattr(row, key_field), []).append(row)
    to_update: list[models.Model] = []
    to_create: list[models.Model] = []
    for position, values in enumerate(rows):
        matches = existing.get(values.get(key_field))
        row = matches.pop(0) if matches else model(charter=charter)
        row.position = position  # type: ignore[attr-defined]
        for field in fields:
            if field in values:
                setattr(row, field, values[field])
        (to_update if row.pk else to_create).append(row)
    leftover = [row.pk for unused in existing.values() for row in unused]
    model._default_manager.filter(pk__in=leftover).delete()
    if to_update:
        model._default_manager.bulk_update(to_update, ["position", *fields])
    model._default_manager.bulk_create(to_create)


def _clean_value(model: type[models.Model], name: str, value: Any) -> Any:
    """The value as the column stores it, or DjangoValidationError (choices, dates, decimals, URLs, lengths)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # charter columns are concrete fields, never relations
    if value is None and not field.null:
        value = field.get_default()  # "" for text, the default for flags
    return field.clean(value, None)


def _check_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate every field and row the way the database would store it; return the cleaned changes."""
    unknown = set(changes) - set(CHARTER_FIELDS) - set(CHARTER_SECTIONS)
    if unknown:
        raise ValidationFailed(
            "Unknown charter fields: " + ", ".join(sorted(unknown)) + ".",
            details={key: "Unknown field." for key in sorted(unknown)},
        )
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for field in CHARTER_FIELDS:
        if field not in changes:
            continue
        try:
            clean[field] = _clean_value(Charter, field, changes[field])
        except DjangoValidationError as exc:
            errors[field] = " ".join(exc.messages)
            continue
        if field.startswith("expected") and clean[field] is not None and clean[field] < 0:
            errors[field] = "Cannot be negative."
    for section, (model, fields) in CHARTER_SECTIONS.items():
        if section not in changes:
            continue
        rows = changes[section] or []
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            errors[section] = "A list of rows is expected."
            continue
        clean[section] = []
        for index, row in enumerate(rows):
            extra = set(row) - set(fields)
            if extra:
                errors[f"{section}[{index}]"] = "Unknown columns: " + ", ".join(sorted(extra)) + "."
                continue
            if not str(row.get(fields[0]) or "").strip():
                errors[f"{section}[{index}]"] = f"The {fields[0].replace('_', ' ')} is required."
                continue
            cleaned_row: dict[str, Any] = {}
            for name, value in row.items():
                try:
                    cleaned_row[name] = _clean_value(model, name, value)
                except DjangoValidationError as exc:
                    errors[f"{section}[{index}]"] = f"{name.replace('_', ' ')}: " + " ".join(exc.messages)
            clean[section].append(cleaned_row)
    if errors:
        raise ValidationFailed("The charter has invalid entries.", details=errors)
    return clean


@transaction.atomic
def charter_update(
    *,
    actor: User,
    project: Project,
    base_version: int,
    changes: dict[str, Any],
    note: str = "",
) -> Charter:
    """Apply `changes` (charter fields and/or whole sections) made on top of `base_version`.

    Raises StaleEdit, carrying the current content, when someone saved in between: nothing is
    overwritten and the caller shows both versions. A save that changes nothing creates no version.
    """
    charter = Charter.objects.select_for_update().get(project=project)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can edit this charter.")
    changes = _check_changes(changes)
    note = (note or "").strip()[:200]  # CharterVersion.note is 200 characters
    before = charter_snapshot(charter)
    if charter.version != base_version:
        raise StaleEdit(
            f"The charter was saved by someone else (version {charter.version}) after you opened "
            f"version {base_version}. Nothing was overwritten.",
            current_version=charter.version,
            current=before,
        )
    # The rows are written to compare them as the database stores them (decimals, dates); a save
    # that turns out to change nothing is undone back to this savepoint and creates no version.
    unchanged = transaction.savepoint()
    for field in CHARTER_FIELDS:
        if field in changes:
            setattr(charter, field, changes[field])
    for section in CHARTER_SECTIONS:
        if section in changes:
            _replace_rows(charter, section, list(changes[section] or []))
    charter.version += 1
    charter.updated_by = actor
    charter.save()
    charter.refresh_from_db()  # compare values as stored (150000 reads back as 150000.00)
    after = charter_snapshot(charter)
    before_changed, after_changed = changed_fields(before, after)
    if not after_changed:
        transaction.savepoint_rollback(unchanged)
        return Charter.objects.get(pk=charter.pk)
    transaction.savepoint_commit(unchanged)
    CharterVersion.objects.create(
        charter=charter, number=charter.version, content=after, created_at=timezone.now(), created_by=actor, note=note
    )
    audit_write(
        actor=actor,
        action="charter.update",
        target=charter,
        project=project,
        before={"version": base_version, **before_changed},
        after={"version": charter.version, **after_changed},
        reason=note,
    )
    return charter
