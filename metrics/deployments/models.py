"""Models in production: what is deployed, the thresholds its production metrics must hold, and alerts.

Production metrics (accuracy, drift scores, latency) are logged by the serving side to an MLflow
*monitoring run*; the mirror pulls their full history (they are that link's key metrics). A breach of a
``ProductionThreshold`` opens one ``ModelAlert`` (at most one open per threshold), which is an action item
with an owner and a due date, shown on the project page and weighed in the portfolio's risk health.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from metrics.deployments.choices import AlertSeverity, AlertState
from metrics.mirror.choices import Comparator

__all__ = ["DeployedModel", "ModelAlert", "ProductionThreshold"]


class DeployedModel(models.Model):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="deployed_models")
    name = models.CharField(max_length=200)
    model_link = models.ForeignKey(
        "metrics.RegisteredModelLink", on_delete=models.SET_NULL, related_name="deployments", null=True, blank=True
    )
    model_version = models.PositiveIntegerField(null=True, blank=True, help_text="Registered version in production.")
    monitoring_link = models.ForeignKey(
        "metrics.ExperimentLink",
        on_delete=models.SET_NULL,
        related_name="deployments",
        null=True,
        blank=True,
        help_text="Experiment holding the monitoring run(s) that log production metrics.",
    )
    monitoring_run_id = models.CharField(max_length=64, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_deployments", null=True, blank=True
    )
    deployed_at = models.DateTimeField()
    last_trained_at = models.DateTimeField(null=True, blank=True)
    retrain_every_days = models.PositiveIntegerField(default=90)
    approved_at = models.DateTimeField(null=True, blank=True, help_text="When the deployment gate approved it.")
    approval_valid_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the portal default (STAGEGATE_APPROVAL_VALID_DAYS)."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="metrics_deployed_model_unique")]

    def __str__(self) -> str:
        return self.name


class ProductionThreshold(models.Model):
    deployed_model = models.ForeignKey(DeployedModel, on_delete=models.CASCADE, related_name="thresholds")
    metric_key = models.CharField(max_length=250)
    comparator = models.CharField(
        max_length=2, choices=Comparator.choices, help_text="The healthy side: e.g. accuracy >= 0.9, drift < 0.2."
    )
    threshold = models.FloatField()
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.HIGH)

    class Meta:
        ordering = ["deployed_model", "metric_key"]
        constraints = [
            models.UniqueConstraint(fields=["deployed_model", "metric_key"], name="metrics_threshold_unique_metric")
        ]

    def __str__(self) -> str:
        return f"{self.metric_key} {self.comparator} {self.threshold:g}"


class ModelAlert(models.Model):
    deployed_model = models.ForeignKey(DeployedModel, on_delete=models.CASCADE, related_name="alerts")
    threshold = models.ForeignKey(ProductionThreshold, on_delete=models.PROTECT, related_name="alerts")
    metric_key = models.CharField(max_length=250)
    observed_value = models.FloatField(null=True)
    threshold_value = models.FloatField()
    comparator = models.CharField(max_length=2, choices=Comparator.choices)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices)
    observed_at = models.DateTimeField(help_text="Time of the breaching MLflow point.")
    raised_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=AlertState.choices, default=AlertState.OPEN)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="model_alerts")
    due_date = models.DateField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["threshold"], condition=~Q(state="resolved"), name="metrics_alert_one_unresolved"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric_key} {self.observed_value} breaches {self.comparator} {self.threshold_value:g}"
