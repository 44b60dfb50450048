"""Helpers shared by the lifecycle service tests: whole-database snapshots and gate shortcuts.

A refused action must leave nothing behind, so refusals are checked against a snapshot of every
row of every lifecycle table (and the uploaded files), not just a count or two.
"""

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from lifecycle import services
from lifecycle.choices import GateDecision, NoGoOutcome, RaciRole
from lifecycle.models import (
    Activity,
    Artifact,
    ArtifactVersion,
    ArtifactWaiver,
    AuditRecord,
    Charter,
    CharterVersion,
    DataDictionaryEntry,
    DataSource,
    GateAction,
    GateReview,
    GateVote,
    Milestone,
    PhaseTransition,
    Project,
    RaciAssignment,
    SuccessMetric,
)
from lifecycle.services.gates import ActionInput
from tests.factories import provide_required_artifacts
from tests.unchanged import audit_actions, refused_checker  # noqa: F401 (audit_actions re-exported)

TRACKED_MODELS = (
    Project,
    Charter,
    CharterVersion,
    SuccessMetric,
    DataSource,
    DataDictionaryEntry,
    Milestone,
    Activity,
    RaciAssignment,
    Artifact,
    ArtifactVersion,
    ArtifactWaiver,
    GateReview,
    GateReview.evidence_versions.through,
    GateVote,
    GateAction,
    PhaseTransition,
    AuditRecord,
)


def stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def everything() -> dict[str, Any]:
    """Every row of every lifecycle table, plus the files on disk."""
    state: dict[str, Any] = {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in TRACKED_MODELS
    }
    state["files"] = stored_files()
    return state


def fingerprint() -> dict[str, tuple[int, str]]:
    """(row count, hash of every row) per lifecycle table, in one query on PostgreSQL.

    As strong as everything() for "did anything change" and much cheaper, for tests that ask it
    after every step. Other databases fall back to the full snapshot.
    """
    if connection.vendor != "postgresql":
        return {label: (len(rows), repr(rows)) for label, rows in everything().items()}
    tables = [(model._meta.label, model._meta.db_table) for model in TRACKED_MODELS]
    columns = ", ".join(
        f"(SELECT count(*) FROM {table}), "
        f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {table} t)"
        for _label, table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}")
        values = cursor.fetchone()
    return {label: (values[2 * i], values[2 * i + 1]) for i, (label, _table) in enumerate(tables)}


# The block raises exactly the given error and changes no row (no audit record either).
refused = refused_checker(everything)


def new_audit(since_id: int) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(id__gt=since_id).order_by("id"))


def last_audit_id() -> int:
    return AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def gate_activity(project: Project, phase: str | None = None) -> Activity:
    return project.activities.get(phase=phase or project.phase, is_gate=True)


def make_consulted(project: Project, actor, user, phase: str | None = None) -> None:
    services.raci_update(
        actor=actor,
        project=project,
        assignments={gate_activity(project, phase).pk: {user.pk: RaciRole.CONSULTED}},
    )


def open_review(project: Project, pm) -> GateReview:
    """Provide what the current phase needs and request its gate."""
    project.refresh_from_db()  # the phase may have moved since the caller loaded it
    provide_required_artifacts(project, pm)
    return services.gate_review_request(actor=pm, project=project)


def pass_gate(project: Project, pm, accountable) -> GateReview:
    review = open_review(project, pm)
    return services.gate_decide(actor=accountable, review=review, decision=GateDecision.GO, rationale="Fine.")


def put_on_hold(project: Project, pm, accountable) -> GateReview:
    review = open_review(project, pm)
    return services.gate_decide(
        actor=accountable,
        review=review,
        decision=GateDecision.NO_GO,
        no_go_outcome=NoGoOutcome.HOLD,
        rationale="Budget frozen.",
    )


def condition(owner, days: int = 14, description: str = "Sign the data-sharing agreement") -> ActionInput:
    return ActionInput(
        description=description, owner_id=owner.pk, due_date=datetime.date.today() + datetime.timedelta(days)
    )


def reload(instance):
    instance.refresh_from_db()
    return instance
