"""Mirror a linked registered model's versions (aliases, tags, source run); see mlflow_sync for runs."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from metrics.mirror.choices import SyncStatus
from metrics.mirror.models import ModelVersionMirror, RegisteredModelLink, TrackingServer
from metrics.mirror.services.sync import SyncReport, datetime_of_ms, gateway_for, progress_start, record_error

if TYPE_CHECKING:
    from metrics.mlflow import MlflowGateway, ModelVersionSnapshot

_VERSION_FIELDS = [
    "aliases",
    "tags",
    "description",
    "source",
    "source_run_id",
    "status",
    "created_in_mlflow_at",
    "updated_in_mlflow_at",
    "deleted",
    "synced_at",
]


def registered_model_link_sync(link_id: int, *, gateway: MlflowGateway | None = None) -> SyncReport:
    """Mirror every version of the linked model with its aliases, tags and source run, in one transaction.
    Versions gone from MLflow (or the whole model, when it was deleted) are marked deleted."""
    from metrics.mlflow import MlflowNotFound

    link = RegisteredModelLink.objects.select_related("server").get(pk=link_id)
    report = SyncReport(link_id=link.pk)
    gone = False
    progress_start(RegisteredModelLink, link.pk)
    try:
        gateway = gateway or gateway_for(link.server)
        versions = list(gateway.iter_model_versions(link.model_name))
    except MlflowNotFound as exc:
        versions, gone = [], True
        record_error(RegisteredModelLink, link.pk, exc)
        error: BaseException | None = exc
    except Exception as exc:
        record_error(RegisteredModelLink, link.pk, exc)
        raise
    else:
        error = None
    now = timezone.now()
    with transaction.atomic():
        rows = sorted((_version_row(link.server, v, now) for v in versions), key=lambda row: row.version)
        if rows:
            ModelVersionMirror.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["server", "model_name", "version"],
                update_fields=_VERSION_FIELDS,
            )
        ModelVersionMirror.objects.filter(server=link.server, model_name=link.model_name, deleted=False).exclude(
            version__in=[row.version for row in rows]
        ).update(deleted=True, synced_at=now)
        # Versions are stored in one transaction, so the progress is written with it: all of them or none.
        done = {"sync_status": SyncStatus.IDLE, "sync_progress": len(rows)}
        if not gone:
            done |= {"last_synced_at": now, "last_error": ""}
        RegisteredModelLink.objects.filter(pk=link.pk).update(**done)
    report.versions_written = len(rows)
    if error is not None:
        raise error
    return report


def _version_row(server: TrackingServer, version: ModelVersionSnapshot, now: datetime) -> ModelVersionMirror:
    return ModelVersionMirror(
        server=server,
        model_name=version.name,
        version=int(version.version),
        aliases=list(version.aliases),
        tags=dict(version.tags),
        description=version.description,
        source=version.source[:1000],
        source_run_id=version.run_id or "",
        status=version.status,
        created_in_mlflow_at=datetime_of_ms(version.creation_timestamp),
        updated_in_mlflow_at=datetime_of_ms(version.last_updated_timestamp),
        deleted=False,
        synced_at=now,
    )
