"""Admin of deployed models, thresholds and alerts: read-only (services write them, with their audit)."""

from django.contrib import admin

from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from portal.admin import ReadOnlyAdmin


@admin.register(DeployedModel)
class DeployedModelAdmin(ReadOnlyAdmin):
    list_display = ["name", "project", "model_version", "owner", "deployed_at", "is_active"]


@admin.register(ProductionThreshold)
class ProductionThresholdAdmin(ReadOnlyAdmin):
    list_display = ["deployed_model", "metric_key", "comparator", "threshold", "severity"]


@admin.register(ModelAlert)
class ModelAlertAdmin(ReadOnlyAdmin):
    list_display = ["deployed_model", "metric_key", "observed_value", "severity", "state", "owner", "raised_at"]
    list_filter = ["state", "severity"]
