"""Admin of the lifecycle, and of the reference data whose changes lifecycle's services audit.

Every registration in the admin is either read-only (``portal.admin.ReadOnlyAdmin``: services write those rows)
or saves through an audited service: memberships (``services.memberships``), and portfolios, business units,
strategic goals, artifact types and user accounts (``services.reference``). They are registered here, not in
``portfolio`` or ``portal``, because the audit trail lives in this app and lower layers do not import it.
"""

from typing import Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from lifecycle.models import Activity, ArtifactType, AuditRecord, GateReview, Project
from lifecycle.services.memberships import membership_grant, membership_revoke
from lifecycle.services.reference import reference_delete, reference_password_set, reference_save
from portal.admin import ReadOnlyAdmin
from portal.models import User
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes through ``services.reference``: each change leaves its audit record."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        reference_save(actor=request.user, row=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        reference_delete(actor=request.user, row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for row in queryset:
                reference_delete(actor=request.user, row=row)


# Projects and their checklist are edited in the portal, whose services audit every change: read-only here.
@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "portfolio", "phase", "state", "overall_rag", "owner")
    list_filter = ("portfolio", "phase", "state", "overall_rag")
    search_fields = ("code", "name")


@admin.register(ArtifactType)
class ArtifactTypeAdmin(AuditedAdmin):
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


class MembershipInline(admin.TabularInline):
    """Shown, not edited: roles are granted and revoked on the Memberships page, which audits each change."""

    model = Membership
    extra = 0
    fields = ("user", "role")
    readonly_fields = ("user", "role")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Portfolio)
class PortfolioAdmin(AuditedAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

    # Projects, memberships and their history hang off a portfolio: it is never deleted.
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BusinessUnit)
class BusinessUnitAdmin(AuditedAdmin):
    search_fields = ("name",)


@admin.register(StrategicGoal)
class StrategicGoalAdmin(AuditedAdmin):
    search_fields = ("name",)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Accounts, audited. Access comes from portfolio roles and the staff / superuser flags, so Django's groups
    and per-model permissions are not edited here (their many-to-many writes would escape the trail)."""

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("last_login", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                reference_password_set(actor=request.user, user=self.get_object(request, unquote(id)))
        return response


# Memberships change through lifecycle's audited services.
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


# A lockout is lifted early by deleting its row (README, "Configuration"): that delete is audited too. The rows are
# otherwise django-axes's own records, read-only.
if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AuditedAdmin, AxesAccessAttemptAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
