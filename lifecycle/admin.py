from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from lifecycle.models import Activity, ArtifactType, AuditRecord, GateReview, Project
from lifecycle.services.memberships import membership_grant, membership_revoke
from portal.admin import ReadOnlyAdmin
from portfolio.models import Membership


# Projects and their checklist are edited in the portal, whose services audit every change: read-only here.
@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "portfolio", "phase", "state", "overall_rag", "owner")
    list_filter = ("portfolio", "phase", "state", "overall_rag")
    search_fields = ("code", "name")


@admin.register(ArtifactType)
class ArtifactTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "required_phases")
    search_fields = ("name", "slug")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
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


# Registered here, not in portfolio/admin.py: memberships change through lifecycle's audited services.
@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Grant a role (add) or revoke it (delete); a role is never edited in place, so the trail reads plainly."""

    list_display = ("user", "portfolio", "role")
    list_filter = ("portfolio", "role")
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        granted = membership_grant(actor=request.user, user=obj.user, portfolio=obj.portfolio, role=obj.role)
        obj.pk = granted.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        membership_revoke(actor=request.user, membership=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        for membership in queryset:
            membership_revoke(actor=request.user, membership=membership)
