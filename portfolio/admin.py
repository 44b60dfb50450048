from django.contrib import admin

from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "portfolio", "role")
    list_filter = ("portfolio", "role")
    autocomplete_fields = ("user",)


admin.site.register(BusinessUnit)
admin.site.register(StrategicGoal)
