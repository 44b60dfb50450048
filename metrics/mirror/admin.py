"""Admin for the MLflow mirror: servers and links are managed here; synced rows are read-only."""

from django.contrib import admin

from metrics.mirror.models import (
    ExperimentLink,
    MlflowRun,
    ModelVersionMirror,
    RegisteredModelLink,
    RunMetricPoint,
    TrackingServer,
)
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


class _SyncStateAdmin(admin.ModelAdmin):
    readonly_fields = ["last_synced_at", "last_error", "last_error_at", "created_at"]
    list_select_related = ["project", "server"]
    list_filter = ["server"]


@admin.register(ExperimentLink)
class ExperimentLinkAdmin(_SyncStateAdmin):
    list_display = ["project", "name", "experiment_id", "server", "last_synced_at", "last_error_at"]
    search_fields = ["project__code", "name", "experiment_id"]
    readonly_fields = [*_SyncStateAdmin.readonly_fields, "watermark_end_time_ms"]


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
