"""Admin for the MLflow mirror: tracking servers are registered here through the audited service; links are
made on each project's MLflow page (audited there) and synced rows are mirrored, so both are read-only here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from metrics.mirror.models import (
    ExperimentLink,
    MlflowRun,
    ModelVersionMirror,
    RegisteredModelLink,
    RunMetricPoint,
    TrackingServer,
)
from metrics.mirror.services.links import SERVER_FIELDS, tracking_server_save
from portal.admin import ReadOnlyAdmin


@admin.register(TrackingServer)
class TrackingServerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "uri",
        "is_default",
        "username_env",
        "password_env",
        "token_env",
        "timeout_s",
        "max_retries",
    ]
    search_fields = ["name", "uri"]
    fieldsets = [
        (None, {"fields": ["name", "uri", "is_default"]}),
        (
            "Credentials (names of environment variables, never the secrets themselves)",
            {"fields": ["username_env", "password_env", "token_env"]},
        ),
        ("HTTP policy", {"fields": ["timeout_s", "max_retries"]}),
    ]

    def save_model(self, request: HttpRequest, obj: TrackingServer, form: Any, change: bool) -> None:
        fields = {name: getattr(obj, name) for name in SERVER_FIELDS}
        portfolios = form.cleaned_data.get("portfolios")  # None when the form does not show them: left as they are
        saved = tracking_server_save(
            actor=request.user, server=obj if change else None, portfolios=portfolios, **fields
        )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing left to save: the service above set the portfolios, in its audited transaction."""

    # Links, runs and evidence point at a server: it is never deleted, only replaced as the default.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _SyncStateAdmin(ReadOnlyAdmin):
    list_select_related = ["project", "server"]
    list_filter = ["server"]


@admin.register(ExperimentLink)
class ExperimentLinkAdmin(_SyncStateAdmin):
    list_display = ["project", "name", "experiment_id", "server", "last_synced_at", "last_error_at"]
    search_fields = ["project__code", "name", "experiment_id"]


@admin.register(RegisteredModelLink)
class RegisteredModelLinkAdmin(_SyncStateAdmin):
    list_display = ["project", "model_name", "server", "last_synced_at", "last_error_at"]
    search_fields = ["project__code", "model_name"]


@admin.register(MlflowRun)
class MlflowRunAdmin(ReadOnlyAdmin):
    list_display = ["run_id", "run_name", "experiment_id", "status", "deleted", "start_time", "end_time", "synced_at"]
    list_filter = ["server", "status", "deleted"]
    search_fields = ["run_id", "run_name", "experiment_id"]


@admin.register(RunMetricPoint)
class RunMetricPointAdmin(ReadOnlyAdmin):
    list_display = ["run", "key", "step", "timestamp", "value"]
    search_fields = ["run__run_id", "key"]
    list_select_related = ["run"]


@admin.register(ModelVersionMirror)
class ModelVersionMirrorAdmin(ReadOnlyAdmin):
    list_display = ["model_name", "version", "aliases", "status", "source_run_id", "deleted", "synced_at"]
    list_filter = ["server", "deleted"]
    search_fields = ["model_name", "source_run_id"]
