"""Product inputs for a model in production: events, customers and orders, marketing spend, surveys.

Writes go through ``metrics.product.services``; ``metrics.product.adapters`` turns rows into formula inputs.
"""

from typing import Any

from django.db import models
from django.db.models import F, Q

from metrics.product.choices import SURVEY_SCORE_RANGE, SurveyKind

__all__ = ["Customer", "MarketingSpend", "Order", "Product", "ProductEvent", "SurveyResponse"]

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class Product(models.Model):
    """The product a deployed model serves; its usage and revenue are measured here."""

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The conversion funnel: event names in order (entry first, conversion last) and the days a user who entered
    # has to reach the last step. Empty: no funnel configured, so no conversion rate. Validated by
    # ``services.product_funnel_update``.
    funnel_steps = models.JSONField(default=list, blank=True)
    funnel_window_days = models.PositiveSmallIntegerField(default=30)
    # Event names that are the product's features (feature usage counts these only).
    core_events = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="product_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def has_funnel(self) -> bool:
        return len(self.funnel_steps or []) >= 2


class ProductEvent(models.Model):
    """One usage event. Immutable once recorded; many per day, so only the columns the metrics read are indexed."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="events")
    user_id = models.CharField(max_length=128)
    name = models.CharField(max_length=100)
    at = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # DAU / WAU / MAU: a time window of one product.
            models.Index(fields=["product", "at"], name="product_event_window"),
            # Feature usage and funnels: one event name in a window.
            models.Index(fields=["product", "name", "at"], name="product_event_name_window"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.name} at {self.at}"


class Customer(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="customers")
    external_id = models.CharField(max_length=128)
    acquired_on = models.DateField()
    channel = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["product", "acquired_on", "id"]
        indexes = [models.Index(fields=["product", "acquired_on"])]
        constraints = [models.UniqueConstraint(fields=["product", "external_id"], name="customer_unique_external_id")]

    def __str__(self) -> str:
        return self.external_id


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    placed_at = models.DateTimeField()
    revenue = models.DecimalField(**MONEY)
    gross_margin = models.DecimalField(max_digits=5, decimal_places=4, help_text="Fraction of revenue, 0-1.")

    class Meta:
        ordering = ["placed_at", "id"]
        indexes = [models.Index(fields=["customer", "placed_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(revenue__gte=0), name="order_revenue_not_negative"),
            models.CheckConstraint(condition=Q(gross_margin__gte=0, gross_margin__lte=1), name="order_margin_0_1"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.placed_at}: {self.revenue}"


class MarketingSpend(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="marketing_spend")
    channel = models.CharField(max_length=60)
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["product", "period_start", "channel"]
        verbose_name_plural = "marketing spend"
        indexes = [models.Index(fields=["product", "period_start"])]
        constraints = [
            models.UniqueConstraint(fields=["product", "channel", "period_start"], name="marketing_spend_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="marketing_spend_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="marketing_spend_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.period_start}..{self.period_end}: {self.amount}"


def _score_in_range() -> Q:
    condition = Q()
    for kind, (low, high) in SURVEY_SCORE_RANGE.items():
        condition |= Q(kind=kind, score__gte=low, score__lte=high)
    return condition


class SurveyResponse(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="survey_responses")
    kind = models.CharField(max_length=8, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    respondent = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["product", "kind", "at"])]
        constraints = [models.CheckConstraint(condition=_score_in_range(), name="survey_score_in_range")]

    def __str__(self) -> str:
        return f"{self.kind} {self.score} at {self.at}"
