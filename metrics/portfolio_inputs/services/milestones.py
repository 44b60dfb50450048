"""Milestones of a project, one at a time: a thin layer over the charter service.

Milestones are rows of the charter (``lifecycle.models.Milestone``), and the charter service is the one place
that writes them: every change is a new charter version, audited, refused when stale. This module adds or
changes a single milestone (matched by name) through ``charter_update``, for the project's inputs page and
the CSV import, so that neither needs to rewrite the whole charter form.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lifecycle.models import Charter, Milestone, Project
from lifecycle.services.charter import CHARTER_SECTIONS, charter_update
from metrics.input_rules import Errors, raise_if_errors, read_date, read_text, require_manager
from portal.exceptions import ValidationFailed
from portal.models import User

MILESTONE_NAME_MAX_LENGTH = 160
_TRUE = {"1", "true", "yes", "y", "x", "done"}
_FALSE = {"", "0", "false", "no", "n", "open"}


def read_flag(errors: Errors, field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        errors[field] = f"Yes or no (1/0, true/false), not {value!r}."
    return False


@transaction.atomic
def milestone_set(
    *,
    actor: User,
    project: Project,
    name: Any,
    due_date: Any = None,
    done: Any = False,
    base_version: int | None = None,
    note: str = "",
) -> Milestone:
    """Add the milestone ``name`` or change its due date / done flag; a new charter version when anything changed.

    ``base_version`` is the charter version the user saw (a form); None means the current one (an import).
    """
    require_manager(actor, project, "edit the charter's milestones")
    charter = Charter.objects.select_for_update().get(project=project)
    errors: Errors = {}
    clean_name = read_text(errors, "name", name, max_length=MILESTONE_NAME_MAX_LENGTH)
    day = read_date(errors, "due_date", due_date, required=False)
    flag = read_flag(errors, "done", done)
    raise_if_errors(errors, "The milestone is invalid.")
    fields = CHARTER_SECTIONS["milestones"][1]
    rows = [{field: getattr(row, field) for field in fields} for row in charter.milestones.all()]
    matching = [row for row in rows if row["name"] == clean_name]
    if len(matching) > 1:
        raise ValidationFailed(
            f"The charter has {len(matching)} milestones named {clean_name!r}; edit them in the charter.",
            details={"name": "Several milestones have this name."},
        )
    if matching:
        matching[0].update(due_date=day, done=flag)
    else:
        rows.append({"name": clean_name, "due_date": day, "done": flag})
    charter_update(
        actor=actor,
        project=project,
        base_version=charter.version if base_version is None else base_version,
        changes={"milestones": rows},
        note=note or f"Milestone {clean_name}",
    )
    return Milestone.objects.get(charter=charter, name=clean_name)
