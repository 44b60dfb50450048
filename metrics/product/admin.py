"""Admin for the product inputs; rows are written by ``metrics.product.services`` (audited), so this only shows."""

from django.contrib import admin

from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from portal.admin import ReadOnlyAdmin


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "project", "created_at")
    search_fields = ("name",)


@admin.register(ProductEvent)
class ProductEventAdmin(ReadOnlyAdmin):
    list_display = ("product", "user_id", "name", "at")
    list_filter = ("product",)
    search_fields = ("user_id", "name")
    # Millions of rows: no COUNT(*) of the whole table on every page.
    show_full_result_count = False


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("external_id", "product", "acquired_on", "channel")
    search_fields = ("external_id",)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("customer", "placed_at", "revenue", "gross_margin")
    list_select_related = ("customer",)


@admin.register(MarketingSpend)
class MarketingSpendAdmin(ReadOnlyAdmin):
    list_display = ("product", "channel", "period_start", "period_end", "amount")
    list_filter = ("channel",)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ("product", "kind", "score", "at", "respondent")
    list_filter = ("kind",)
