from django.contrib import admin

from lifecycle.models import Activity, ArtifactType, AuditRecord, GateReview, Project
from portal.admin import ReadOnlyAdmin


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "portfolio", "phase", "state", "overall_rag", "owner")
    list_filter = ("portfolio", "phase", "state", "overall_rag")
    search_fields = ("code", "name")
    # Phase and state change only through gate decisions (lifecycle.services).
    readonly_fields = ("phase", "state", "actual_end_date")


@admin.register(ArtifactType)
class ArtifactTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "required_phases")
    search_fields = ("name", "slug")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "phase", "is_gate", "done")
    list_filter = ("phase", "is_gate")


@admin.register(GateReview)
class GateReviewAdmin(ReadOnlyAdmin):
    list_display = ("project", "phase", "status", "decision", "decided_by", "decided_at")
    list_filter = ("phase", "status", "decision")


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_id", "project")
    list_filter = ("action",)
    search_fields = ("target_id", "reason")
