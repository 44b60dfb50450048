"""Product inputs: products, usage events (bulk), customers and orders, marketing spend, survey responses."""

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lifecycle.models import Project
from metrics.product.choices import SurveyKind
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from metrics.product.services import EVENT_NAME_LENGTH, MAX_CORE_EVENTS, MAX_FUNNEL_STEPS, MAX_FUNNEL_WINDOW_DAYS
from portal.serializers import LONG_TEXT, NamedEnumField, money_field
from portfolio.api.fields import ScopedRelatedField


class ProductSerializer(serializers.ModelSerializer):
    description = serializers.CharField(read_only=True, allow_blank=True)
    funnel_steps = serializers.ListField(child=serializers.CharField(), read_only=True)
    core_events = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Product
        fields = (
            "id", "project", "name", "description", "created_at", "funnel_steps", "funnel_window_days", "core_events",
        )  # fmt: skip
        read_only_fields = fields


def _event_names(at_least: int, at_most: int) -> dict[str, Any]:
    name = {"type": "string", "minLength": 1, "maxLength": EVENT_NAME_LENGTH}
    return {"type": "array", "items": name, "minItems": at_least, "maxItems": at_most, "uniqueItems": True}


# The funnel's input is documented with the limits product_funnel_update checks (its messages are the answer).
@extend_schema_field(_event_names(2, MAX_FUNNEL_STEPS))
class _FunnelStepsField(serializers.ListField):
    pass


@extend_schema_field(_event_names(0, MAX_CORE_EVENTS))
class _CoreEventsField(serializers.ListField):
    pass


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_FUNNEL_WINDOW_DAYS})
class _FunnelWindowField(serializers.IntegerField):
    pass


class ProductFunnelSerializer(serializers.Serializer):
    """The conversion funnel and the core events of a product, as stored (empty until configured)."""

    funnel_steps = serializers.ListField(
        child=serializers.CharField(), help_text="Event names in order: the entry step first, the conversion step last."
    )
    funnel_window_days = serializers.IntegerField(help_text="Days a user who entered has to reach the last step.")
    core_events = serializers.ListField(
        child=serializers.CharField(),
        help_text="The event names that are the product's features: feature usage counts these only.",
    )


class ProductFunnelInputSerializer(serializers.Serializer):
    """The funnel to set. Only shapes are checked here; the service (``product_funnel_update``) checks the values,
    with its own messages: at least two distinct steps, a window of 1 to 365 days, distinct core events. The schema
    documents those limits (the ``_Funnel*`` fields)."""

    funnel_steps = _FunnelStepsField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        help_text="Event names in order: the entry step first, the conversion step last.",
    )
    funnel_window_days = _FunnelWindowField(help_text="Days a user who entered has to reach the last step.")
    core_events = _CoreEventsField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="The event names that are the product's features: feature usage counts these only.",
    )


class ProductCreateSerializer(serializers.Serializer):
    project = ScopedRelatedField(Project, "portfolio_id")
    name = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


class ProductEventSerializer(serializers.ModelSerializer):
    properties = serializers.DictField(read_only=True)

    class Meta:
        model = ProductEvent
        fields = ("id", "product", "user_id", "name", "at", "properties")
        read_only_fields = fields


class ProductEventInputSerializer(serializers.Serializer):
    user_id = serializers.CharField(max_length=128)
    name = serializers.CharField(max_length=100)
    at = serializers.DateTimeField(help_text="ISO 8601; without an offset it is read in the portal's time zone.")
    properties = serializers.DictField(required=False, default=dict)


class EventsStoredSerializer(serializers.Serializer):
    stored = serializers.IntegerField(read_only=True, help_text="Number of events stored.")


class CustomerSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = Customer
        fields = ("id", "product", "external_id", "acquired_on", "channel")
        read_only_fields = fields


class CustomerCreateSerializer(serializers.Serializer):
    product = ScopedRelatedField(Product, "project__portfolio_id")
    external_id = serializers.CharField(max_length=128)
    acquired_on = serializers.DateField()
    channel = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ("id", "customer", "placed_at", "revenue", "gross_margin")
        read_only_fields = fields


class OrderCreateSerializer(serializers.Serializer):
    customer = ScopedRelatedField(Customer, "product__project__portfolio_id")
    placed_at = serializers.DateTimeField()
    revenue = money_field()
    gross_margin = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=Decimal(0), max_value=Decimal(1), help_text="Fraction of revenue."
    )


class MarketingSpendSerializer(serializers.ModelSerializer):
    class Meta:
        model = MarketingSpend
        fields = ("id", "product", "channel", "period_start", "period_end", "amount")
        read_only_fields = fields


class MarketingSpendCreateSerializer(serializers.Serializer):
    product = ScopedRelatedField(Product, "project__portfolio_id")
    channel = serializers.CharField(max_length=60)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    amount = money_field()


class SurveyResponseSerializer(serializers.ModelSerializer):
    kind = NamedEnumField(enum_name="SurveyKind", choices=SurveyKind.choices, read_only=True)
    respondent = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = SurveyResponse
        fields = ("id", "product", "kind", "score", "at", "respondent")
        read_only_fields = fields


class SurveyResponseCreateSerializer(serializers.Serializer):
    product = ScopedRelatedField(Product, "project__portfolio_id")
    kind = NamedEnumField(enum_name="SurveyKind", choices=SurveyKind.choices)
    score = serializers.IntegerField(min_value=0, max_value=10, help_text="NPS 0-10, CSAT 1-5.")
    at = serializers.DateTimeField()
    respondent = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
