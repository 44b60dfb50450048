"""Small serializer shapes and bounded fields shared by every app's API."""

from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

# Bounds on free text the models leave unbounded (TextField): a body is never an essay of megabytes.
LONG_TEXT = 20_000
REASON_TEXT = 2_000
# The largest id PostgreSQL's bigint holds; bigger numbers are refused as input, not sent to the database.
MAX_ID = 2**63 - 1
# Bound of a threshold or a measured value: JSON allows numbers (1e999) that a float holds only as infinity.
FLOAT_LIMIT = 1e300


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An amount of money as the models store it (14 digits, 2 decimals, never negative)."""
    options: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}
    options.update(kwargs)
    return serializers.DecimalField(**options)


def hours_field(maximum: int, **kwargs: Any) -> serializers.DecimalField:
    options: dict[str, Any] = {
        "max_digits": 6,
        "decimal_places": 2,
        "min_value": Decimal(0),
        "max_value": Decimal(maximum),
    }
    options.update(kwargs)
    return serializers.DecimalField(**options)


class NamedEnumField(serializers.ChoiceField):
    """A choice field documented as one named enum component (``<enum_name>Enum``) wherever it appears.

    The same choices (RAG, survey kind) appear under many field names across the API; naming the set once
    keeps the schema free of enum-naming collisions without a global ENUM_NAME_OVERRIDES entry.
    """

    def __init__(self, *, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedEnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedEnumField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        field: NamedEnumField = self.target
        values: list[Any] = [str(value) for value in field.choices]
        name = f"{field.enum_name}Enum"
        if field.allow_blank:
            values.append("")
            name = f"{field.enum_name}OrBlankEnum"
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema={"type": "string", "enum": values}
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user: Any) -> str:
        return user.get_full_name() or user.username


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PortfolioRefSerializer(NamedRefSerializer):
    slug = serializers.CharField(read_only=True)


def id_field(**kwargs: object) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)  # type: ignore[arg-type]


def finite_float_field(**kwargs: Any) -> serializers.FloatField:
    return serializers.FloatField(min_value=-FLOAT_LIMIT, max_value=FLOAT_LIMIT, **kwargs)


def reason_field(**kwargs: object) -> serializers.CharField:
    options: dict[str, object] = {"required": False, "allow_blank": True, "max_length": REASON_TEXT}
    options.update(kwargs)
    if not options["required"]:
        options.setdefault("default", "")
    return serializers.CharField(**options)  # type: ignore[arg-type]
