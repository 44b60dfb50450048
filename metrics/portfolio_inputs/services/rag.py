"""Writes of the overall RAG: a manager's override (set, revoke) and the project's stored RAG block.

The overall RAG is computed (worst of the four dimension RAGs, ``metrics.formulas.portfolio.overall_rag``); an
active override replaces it. ``project_overall_rag_store`` is the only writer of the project's RAG columns and is
called by the project computer each time it computes, so the stored value follows the snapshot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from lifecycle.choices import RAG
from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from metrics.input_rules import Errors, raise_if_errors, read_date, read_text
from metrics.portfolio_inputs.models import RagOverride
from metrics.snapshots.requests import compute_request_for_project
from portal.exceptions import NotAllowed, TransitionNotAllowed
from portal.models import User
from portfolio.access import can_edit_project

#: An override is a stop-gap until the inputs catch up: it must end within half a year.
OVERRIDE_MAX_DAYS = 180
REASON_MAX_LENGTH = 2000
ASSESSED_VALUES = tuple(value for value, _label in RAG.assessed_choices())


def rag_override_snapshot(override: RagOverride) -> dict[str, Any]:
    return {
        "rag": override.rag,
        "reason": override.reason,
        "expires_on": override.expires_on,
        "revoked_at": override.revoked_at,
    }


def _read_override(errors: Errors, *, rag: Any, reason: Any, expires_on: Any) -> tuple[str, str, Any]:
    text = "" if rag is None else str(rag)
    if text not in ASSESSED_VALUES:
        errors["rag"] = f"One of {', '.join(ASSESSED_VALUES)}."
    why = read_text(errors, "reason", reason, max_length=REASON_MAX_LENGTH)
    day = read_date(errors, "expires_on", expires_on)
    today = timezone.localdate()
    if day is not None and day <= today:
        errors["expires_on"] = "The last day of an override is after today."
    elif day is not None and day > today + datetime.timedelta(days=OVERRIDE_MAX_DAYS):
        errors["expires_on"] = f"An override lasts at most {OVERRIDE_MAX_DAYS} days."
    return text, why, day


def _revoke_unrevoked(actor: User, project: Project) -> tuple[RagOverride, dict[str, Any]] | None:
    """Stamp the project's unrevoked override (active or lapsed) as revoked: (it, its snapshot before)."""
    current = RagOverride.objects.select_for_update().filter(project=project, revoked_at__isnull=True).first()
    if current is None:
        return None
    before = rag_override_snapshot(current)
    current.revoked_at, current.revoked_by = timezone.now(), actor
    current.save(update_fields=["revoked_at", "revoked_by"])
    return current, before


@transaction.atomic
def rag_override_set(*, actor: User, project: Project, rag: Any, reason: Any, expires_on: Any) -> RagOverride:
    """Override the project's computed overall RAG with ``rag`` until ``expires_on`` (inclusive), for ``reason``.

    A reason and a last day (after today, at most ``OVERRIDE_MAX_DAYS`` ahead) are required; a newer override
    replaces the one in force. The snapshot and the project's stored RAG follow on the recompute requested here.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can override the overall RAG.")
    errors: Errors = {}
    value, why, day = _read_override(errors, rag=rag, reason=reason, expires_on=expires_on)
    raise_if_errors(errors, "The override is invalid.")
    replaced = _revoke_unrevoked(actor, project)
    override = RagOverride.objects.create(project=project, rag=value, reason=why, expires_on=day, created_by=actor)
    audit_write(
        actor=actor,
        action="rag_override.set",
        target=override,
        project=project,
        before=replaced[1] if replaced else None,
        after={**rag_override_snapshot(override), "computed_rag": project.computed_rag},
        reason=why,
    )
    compute_request_for_project(project)
    return override


@transaction.atomic
def rag_override_revoke(*, actor: User, project: Project, reason: str = "") -> RagOverride:
    """End the project's override now; the computed overall RAG shows again after the recompute requested here."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can revoke an override.")
    active = RagOverride.objects.active_on(timezone.localdate()).filter(project=project).exists()
    found = _revoke_unrevoked(actor, project) if active else None
    if found is None:
        raise TransitionNotAllowed("The overall RAG of this project is not overridden.")
    revoked, before = found
    audit_write(
        actor=actor,
        action="rag_override.revoke",
        target=revoked,
        project=project,
        before=before,
        after=rag_override_snapshot(revoked),
        reason=reason.strip(),
    )
    compute_request_for_project(project)
    return revoked


# --- the project's stored RAG block ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRag:
    """The project's RAG columns as the computer derived them from its snapshot."""

    overall: str
    computed: str
    reported: str
    override_until: datetime.date | None
    override_reason: str

    def as_fields(self) -> dict[str, Any]:
        return {
            "overall_rag": self.overall,
            "computed_rag": self.computed,
            "reported_rag": self.reported,
            "rag_override_until": self.override_until,
            "rag_override_reason": self.override_reason,
        }


def stored_rag_of(detail: dict[str, Any]) -> StoredRag:
    """The RAG columns from the ``overall_rag`` snapshot's detail (blank there = not assessed)."""
    until = detail.get("override_until")
    return StoredRag(
        overall=detail.get("rag") or RAG.NOT_ASSESSED,
        computed=detail.get("derived") or RAG.NOT_ASSESSED,
        reported=detail.get("reported") or RAG.NOT_ASSESSED,
        override_until=datetime.date.fromisoformat(until) if until else None,
        override_reason=detail.get("reason", "") if until else "",
    )


@transaction.atomic
def project_overall_rag_store(*, project_id: int, stored: StoredRag) -> bool:
    """Write the project's RAG columns when they differ from ``stored``; audited as a system change.

    Called by the project computer inside its transaction, right after computing; a project that is gone or
    already up to date is left alone (no lock is taken then). ``updated_at`` is not touched: this is not an
    edit of the project, and edits compare it for staleness. Returns whether anything was written.
    """
    fields = stored.as_fields()
    current = Project.objects.filter(pk=project_id).values(*fields).first()
    if current is None or current == fields:
        return False
    project = Project.objects.select_for_update().get(pk=project_id)
    before = {name: getattr(project, name) for name in fields}
    Project.objects.filter(pk=project_id).update(**fields)
    changed = [name for name in fields if before[name] != fields[name]]
    audit_write(
        actor=None,
        action="project.rag_recompute",
        target=project,
        project=project,
        before={name: before[name] for name in changed},
        after={name: fields[name] for name in changed},
        reason="Recomputed: worst of the four dimension RAGs, or the manager's active override.",
    )
    return True
