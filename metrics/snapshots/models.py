"""Computed metric values: what every dashboard reads (dashboards never compute on request).

A snapshot is one metric for one scope and one period, written by ``metrics.services.compute`` with an
upsert on (metric, scope, period), so recomputing or a redelivered task rewrites the same row. ``value`` is
the headline number (null when the formula says n/a); ``detail`` holds what a chart needs (a series, a
breakdown, the inputs used) as plain JSON. ``portfolio`` and ``project`` are copied from the scope so the
dashboards can filter snapshots by the same project filters as the project list without joins per scope
type. A snapshot of a closed sprint is ``frozen``: recomputation skips it.
"""

from django.db import models

from metrics.snapshots.choices import ScopeType

__all__ = ["MetricComputeRequest", "MetricSnapshot"]


class MetricSnapshot(models.Model):
    metric = models.CharField(max_length=64, help_text="Registry key (metrics.formulas.registry.METRICS).")
    scope_type = models.CharField(max_length=12, choices=ScopeType.choices)
    scope_id = models.PositiveBigIntegerField()
    period = models.CharField(
        max_length=32, blank=True, help_text="'' for 'as of now', else e.g. 2026-11, 2026-W47, 2026-11-22 or sprint."
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="metric_snapshots")
    project = models.ForeignKey(
        "lifecycle.Project", on_delete=models.CASCADE, related_name="metric_snapshots", null=True, blank=True
    )
    frozen = models.BooleanField(default=False, help_text="Closed sprint: kept as computed at close.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["metric", "scope_type", "scope_id", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "scope_type", "scope_id", "period"], name="metrics_snapshot_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["scope_type", "scope_id"], name="metrics_snapshot_scope"),
            models.Index(fields=["portfolio", "metric", "scope_type"], name="metrics_snapshot_portfolio"),
            models.Index(fields=["project", "metric"], name="metrics_snapshot_project"),
            models.Index(fields=["portfolio", "computed_at"], name="metrics_snapshot_recency"),
        ]

    def __str__(self) -> str:
        period = f" {self.period}" if self.period else ""
        return f"{self.metric} {self.scope_type}:{self.scope_id}{period} = {self.value}"


class MetricComputeRequest(models.Model):
    """A scope whose inputs changed and whose snapshots wait for the compute task.

    Marking a scope inserts this row if absent; only the insert enqueues a task (on commit), so a burst of
    edits produces one computation; a mark while the row exists counts in ``marks``. The computation deletes
    the row in the transaction that writes the snapshots, and only if ``marks`` is what it read before
    computing: a worker killed mid-computation leaves the row for the reconciler, and an edit made during the
    computation keeps it for another run.
    """

    scope_type = models.CharField(max_length=12, choices=ScopeType.choices)
    scope_id = models.PositiveBigIntegerField()
    requested_at = models.DateTimeField(help_text="The first mark: how long the scope has waited.")
    marks = models.PositiveIntegerField(default=1, help_text="Edits that marked the scope since the row was made.")

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["scope_type", "scope_id"], name="metrics_compute_request_unique"),
        ]

    def __str__(self) -> str:
        return f"compute {self.scope_type}:{self.scope_id}"
