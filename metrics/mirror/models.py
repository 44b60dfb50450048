"""The MLflow mirror: tracking servers, what a project links to, and the runs and model versions synced.

Credentials: a server row stores only the NAMES of the environment variables that hold its username,
password or token (MLflow's own conventions by default), never a secret value. The secrets live where
the operator already keeps them for the worker and web processes (container env, a secret store mounted as
env); the database, its backups, fixtures and the admin never contain them, and rotating a token is an
env change with no data migration. A name that is set on the row but missing from the environment is a
configuration error reported when the gateway is built.

Who may use a server: `TrackingServer.portfolios`. Only the projects of those portfolios browse the server
and link its experiments and registered models; an EMPTY set means NO portfolio (a newly registered server
serves nobody until staff grant it). The demo seed and the default server created from
`MLFLOW_TRACKING_URI` grant their portfolios when they create the server. Revoking a grant stops browsing and
new links; links made before keep syncing until they are unlinked. Mirrored runs and model versions are read
only through the links of projects a person can see.

Synced rows are keyed by (server, MLflow id) and written with upserts, so a repeated or redelivered sync
rewrites the same rows. Runs deleted in MLflow are marked `deleted`, never dropped: gate evidence may
point at them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.utils import timezone

from metrics.mirror.choices import SyncStatus

if TYPE_CHECKING:  # imported lazily: loading `mlflow` at model import would slow every process start
    from metrics.mlflow import Credentials, HttpPolicy, MlflowGateway

__all__ = [
    "ExperimentLink",
    "MlflowRun",
    "ModelVersionMirror",
    "RegisteredModelLink",
    "RunMetricPoint",
    "TrackingServer",
]

# A link not synced successfully for this long is shown as stale (beat runs every 15 minutes).
STALE_AFTER = timedelta(hours=1)


class TrackingServer(models.Model):
    name = models.CharField(max_length=100, unique=True)
    uri = models.URLField(max_length=500, help_text="http(s) URL of the MLflow tracking server.")
    username_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding the basic-auth username."
    )
    password_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding the basic-auth password."
    )
    token_env = models.CharField(
        max_length=100, blank=True, help_text="Name of the environment variable holding a bearer token."
    )
    timeout_s = models.PositiveSmallIntegerField(default=30, help_text="Timeout of one HTTP attempt, seconds.")
    max_retries = models.PositiveSmallIntegerField(default=4, help_text="HTTP retries of one request (0-10).")
    is_default = models.BooleanField(default=False)
    portfolios = models.ManyToManyField(
        "portfolio.Portfolio",
        related_name="mlflow_servers",
        blank=True,
        help_text="Portfolios whose projects may browse and link this server; none when empty.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="mlflow_one_default_server"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uri})"

    def credentials(self) -> Credentials:
        """Read the referenced variables now (so a rotated secret is picked up without a restart)."""
        from metrics.mlflow import Credentials, MlflowAccessDenied

        values: dict[str, str | None] = {}
        for field_name, attr in (("username_env", "username"), ("password_env", "password"), ("token_env", "token")):
            var = getattr(self, field_name)
            if not var:
                values[attr] = None
                continue
            value = os.environ.get(var)
            if not value and var not in _OPTIONAL_MLFLOW_VARS:
                raise MlflowAccessDenied(
                    f"MLflow server {self.name!r}: environment variable {var} is not set", uri=self.uri
                )
            values[attr] = value or None
        try:
            return Credentials(**values)
        except ValueError as exc:
            raise MlflowAccessDenied(f"MLflow server {self.name!r}: {exc}", uri=self.uri) from exc

    def policy(self) -> HttpPolicy:
        from metrics.mlflow import HttpPolicy

        return HttpPolicy(timeout_s=max(1, self.timeout_s), max_retries=min(self.max_retries, 10))

    def gateway(self) -> MlflowGateway:
        from metrics.mlflow import MlflowGateway

        return MlflowGateway(self.uri, credentials=self.credentials(), policy=self.policy())


# The default server points at MLflow's standard variables; an unauthenticated server sets none of them.
_OPTIONAL_MLFLOW_VARS = frozenset({"MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"})


class _SyncState(models.Model):
    """When a link last synced and how its last attempt failed (kept until the next success)."""

    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Live progress of the current or last sync, shown by the "sync now" button's polling fragment.
    sync_status = models.CharField(max_length=8, choices=SyncStatus.choices, default=SyncStatus.IDLE)
    sync_started_at = models.DateTimeField(null=True, blank=True)
    sync_progress = models.PositiveIntegerField(default=0, help_text="Runs or versions stored by the current sync.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_stale(self) -> bool:
        """What the portal shows is older than it should be: never synced, failing, or not synced lately."""
        if self.last_synced_at is None or self.last_error:
            return True
        return timezone.now() - self.last_synced_at > STALE_AFTER


class ExperimentLink(_SyncState):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="experiment_links")
    server = models.ForeignKey(TrackingServer, on_delete=models.PROTECT, related_name="experiment_links")
    experiment_id = models.CharField(max_length=64)
    name = models.CharField(max_length=500, help_text="Experiment name in MLflow when linked or last synced.")
    key_metrics = models.JSONField(
        default=list, blank=True, help_text="Metric keys whose full history is pulled (the others: latest value)."
    )
    watermark_end_time_ms = models.BigIntegerField(
        null=True, blank=True, help_text="Largest run end time stored; the next sync asks from here minus an overlap."
    )

    class Meta:
        ordering = ["project", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "server", "experiment_id"], name="mlflow_experiment_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: experiment {self.name or self.experiment_id}"


class RegisteredModelLink(_SyncState):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="model_links")
    server = models.ForeignKey(TrackingServer, on_delete=models.PROTECT, related_name="model_links")
    model_name = models.CharField(max_length=500)

    class Meta:
        ordering = ["project", "model_name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "server", "model_name"], name="mlflow_model_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: model {self.model_name}"


class MlflowRun(models.Model):
    server = models.ForeignKey(TrackingServer, on_delete=models.PROTECT, related_name="runs")
    experiment_id = models.CharField(max_length=64)
    run_id = models.CharField(max_length=64)
    run_name = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16)
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    lifecycle_stage = models.CharField(max_length=16)
    deleted = models.BooleanField(default=False)
    user_id = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True, help_text="Latest value per metric (null if not finite).")
    artifact_uri = models.CharField(max_length=1000, blank=True)
    synced_at = models.DateTimeField(help_text="When the sync last wrote a change to this row.")

    class Meta:
        ordering = ["-start_time"]
        constraints = [models.UniqueConstraint(fields=["server", "run_id"], name="mlflow_run_unique")]
        indexes = [models.Index(fields=["server", "experiment_id", "-start_time"], name="mlflow_run_experiment")]

    def __str__(self) -> str:
        return self.run_name or self.run_id


class RunMetricPoint(models.Model):
    """One logged point of a key metric (MLflow histories are append-only, so points are never removed)."""

    run = models.ForeignKey(MlflowRun, on_delete=models.CASCADE, related_name="points")
    key = models.CharField(max_length=250)
    step = models.BigIntegerField()
    timestamp = models.BigIntegerField(help_text="Epoch milliseconds.")
    # NaN is stored as null: SQLite cannot hold NaN, and latest values already follow this rule.
    value = models.FloatField(null=True)

    class Meta:
        ordering = ["run", "key", "step", "timestamp"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key", "step", "timestamp"], name="mlflow_metric_point_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key}[{self.step}]={self.value}"


class ModelVersionMirror(models.Model):
    server = models.ForeignKey(TrackingServer, on_delete=models.PROTECT, related_name="model_versions")
    model_name = models.CharField(max_length=500)
    version = models.PositiveIntegerField()
    aliases = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=1000, blank=True)
    source_run_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32)
    created_in_mlflow_at = models.DateTimeField(null=True, blank=True)
    updated_in_mlflow_at = models.DateTimeField(null=True, blank=True)
    deleted = models.BooleanField(default=False, help_text="The version no longer exists in MLflow.")
    synced_at = models.DateTimeField()

    class Meta:
        ordering = ["model_name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["server", "model_name", "version"], name="mlflow_model_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.model_name} v{self.version}"
