"""Admin for the portfolio inputs. Read-mostly: writes belong to the area's services (audited), so the
history-bearing rows (status reports, measurements) cannot be edited here."""

from django.contrib import admin

from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    RagOverride,
    Risk,
    StatusReport,
    TimeEntry,
)
from portal.admin import ReadOnlyAdmin


@admin.register(BudgetPeriod)
class BudgetPeriodAdmin(ReadOnlyAdmin):
    list_display = ("project", "period_start", "amount")
    list_filter = ("project__portfolio",)
    date_hierarchy = "period_start"


@admin.register(CostEntry)
class CostEntryAdmin(ReadOnlyAdmin):
    list_display = ("project", "day", "amount", "category", "note")
    list_filter = ("category", "project__portfolio")
    date_hierarchy = "day"


@admin.register(Capacity)
class CapacityAdmin(ReadOnlyAdmin):
    list_display = ("person", "week", "working_hours", "leave_hours")
    date_hierarchy = "week"


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("person", "project", "week", "hours")
    date_hierarchy = "week"


@admin.register(TimeEntry)
class TimeEntryAdmin(ReadOnlyAdmin):
    list_display = ("person", "project", "day", "hours")
    date_hierarchy = "day"


@admin.register(StatusReport)
class StatusReportAdmin(ReadOnlyAdmin):
    list_display = ("project", "as_of", "schedule_rag", "cost_rag", "risk_rag", "issues_rag", "overall_rag", "author")
    list_filter = ("overall_rag", "project__portfolio")
    date_hierarchy = "as_of"


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "probability", "impact", "state", "owner", "opened_on", "closed_on")
    list_filter = ("state", "impact")
    search_fields = ("title",)


@admin.register(Issue)
class IssueAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "severity", "owner", "opened_on", "closed_on")
    list_filter = ("severity",)
    search_fields = ("title",)


class BenefitMeasurementInline(admin.TabularInline):
    model = BenefitMeasurement
    extra = 0
    fields = ("period_end", "planned", "realized", "recorded_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Benefit)
class BenefitAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "success_metric", "unit")
    search_fields = ("name",)
    inlines = [BenefitMeasurementInline]


@admin.register(RagOverride)
class RagOverrideAdmin(ReadOnlyAdmin):
    """Set and revoked through ``services.rag`` (audited) from the status page or the API, never here."""

    list_display = ("project", "rag", "expires_on", "created_by", "created_at", "revoked_at")
    list_filter = ("rag", "project__portfolio")
