"""Admin for gate evidence, automated gate criteria, deployed models, alerts and metric snapshots: read-only.

Each of these changes through an audited service (the rules page, the review's evidence page, the deployed
models page, the compute task); the admin is for looking, not for bypassing the audit trail.
"""

from django.contrib import admin

from metrics.models import DeployedModel, GateEvidence, GateRule, MetricSnapshot, ModelAlert, ProductionThreshold
from portal.admin import ReadOnlyAdmin


@admin.register(GateRule)
class GateRuleAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "phase", "kind", "project", "is_active"]
    list_filter = ["phase", "kind", "is_active"]


@admin.register(GateEvidence)
class GateEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["review", "kind", "run", "model_version", "attached_by", "attached_at"]


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


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["metric", "scope_type", "scope_id", "period", "value", "frozen", "computed_at"]
    list_filter = ["scope_type", "frozen"]
    search_fields = ["metric"]
