"""Admin of metric snapshots: read-only (the computers write them)."""

from django.contrib import admin

from metrics.snapshots.models import MetricSnapshot
from portal.admin import ReadOnlyAdmin


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["metric", "scope_type", "scope_id", "period", "value", "frozen", "computed_at"]
    list_filter = ["scope_type", "frozen"]
    search_fields = ["metric"]
