"""Admin for gate evidence, automated gate criteria, deployed models, alerts and metric snapshots: read-only.

Each of these changes through an audited service (the rules page, the review's evidence page, the deployed
models page, the compute task); the admin is for looking, not for bypassing the audit trail.
"""

from django.contrib import admin

from metrics.evidence.models import GateEvidence, GateRule
from portal.admin import ReadOnlyAdmin


@admin.register(GateRule)
class GateRuleAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "phase", "kind", "project", "is_active"]
    list_filter = ["phase", "kind", "is_active"]


@admin.register(GateEvidence)
class GateEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["review", "kind", "run", "model_version", "attached_by", "attached_at"]
