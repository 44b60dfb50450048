"""Outgoing webhooks (Standard Webhooks): a portfolio's subscriptions, and one delivery per (subscription, event)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from collaboration.webhooks.choices import OPEN_STATUSES, DeliveryStatus

URL_MAX = 500
RESPONSE_EXCERPT_MAX = 500


class WebhookSubscription(models.Model):
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=URL_MAX)
    event_types = models.JSONField(help_text="Event types (collaboration.events.catalog) sent here; never empty.")
    description = models.CharField(max_length=200, blank=True)
    # The signing key, whsec_<base64>: shown once in the create response, kept to sign, never serialized again.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries given up in a row since the last success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["portfolio", "is_active"])]

    def __str__(self) -> str:
        return f"webhook {self.pk} -> {self.url}"

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.event_types


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    # The webhook-id sent is the event's public_id: the same on every attempt and redelivery.
    event = models.ForeignKey("collaboration.Event", on_delete=models.PROTECT, related_name="webhook_deliveries")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reconciler sends it (again); empty once succeeded or given up."
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=RESPONSE_EXCERPT_MAX, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subscription", "-created_at"]),
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=OPEN_STATUSES), name="webhook_delivery_due"
            ),
        ]
        constraints = [
            # A redelivered or re-run dispatch creates no second delivery of the same event to the same endpoint.
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk} of event {self.event_id} to webhook {self.subscription_id}"
