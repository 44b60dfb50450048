from django.contrib import admin

from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal


class MembershipInline(admin.TabularInline):
    """Shown, not edited: roles are granted and revoked on the Memberships page, which audits each change."""

    model = Membership
    extra = 0
    fields = ("user", "role")
    readonly_fields = ("user", "role")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


admin.site.register(BusinessUnit)
admin.site.register(StrategicGoal)
