"""Shapes of the webhooks API. The secret appears in the create response only (WebhookCreatedSerializer)."""

from __future__ import annotations

from rest_framework import serializers

from collaboration.events.catalog import WEBHOOK_SUBSCRIBABLE, EventType
from collaboration.webhooks.choices import DeliveryStatus
from collaboration.webhooks.models import URL_MAX, WebhookDelivery, WebhookSubscription
from collaboration.webhooks.services import DESCRIPTION_MAX
from portal.serializers import MAX_ID, NamedEnumField

SUBSCRIBABLE_CHOICES = [(value, EventType(value).label) for value in WEBHOOK_SUBSCRIBABLE]


def _event_types_field(*, required: bool = True) -> serializers.ListField:
    return serializers.ListField(
        child=NamedEnumField(enum_name="WebhookEventType", choices=SUBSCRIBABLE_CHOICES),
        allow_empty=False,
        max_length=len(SUBSCRIBABLE_CHOICES),
        help_text="The event types sent to this URL (README, Notifications); at least one.",
        required=required,
    )


class WebhookSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "portfolio",
            "url",
            "event_types",
            "description",
            "is_active",
            "created_by",
            "created_at",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
        ]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_...). Shown in this response only: store it now."
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookCreateSerializer(serializers.Serializer):
    portfolio = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    url = serializers.CharField(
        max_length=URL_MAX,
        help_text="http(s) endpoint; no credentials; must resolve to public addresses "
        "(unless STAGEGATE_WEBHOOK_ALLOW_PRIVATE).",
    )
    event_types = _event_types_field()
    description = serializers.CharField(max_length=DESCRIPTION_MAX, allow_blank=True, required=False, default="")


class WebhookUpdateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=URL_MAX, required=False)
    event_types = _event_types_field(required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, allow_blank=True, required=False)
    is_active = serializers.BooleanField(required=False, help_text="Switching it back on clears the failure count.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(
        source="event.public_id", read_only=True, help_text="The webhook-id sent (the receiver deduplicates by it)."
    )
    event_type = serializers.CharField(source="event.type", read_only=True)
    status = NamedEnumField(enum_name="WebhookDeliveryStatus", choices=DeliveryStatus.choices, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "response_status",
            "response_ms",
            "response_excerpt",
            "error",
        ]
        read_only_fields = fields
