"""Shapes shared by the metrics API: references to rows the user can see, money and hours fields."""

from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from lifecycle.api.serializers.common import LONG_TEXT, REASON_TEXT, UserSummarySerializer, id_field, reason_field
from portal.api_base import scope_to_portfolios
from portal.models import User
from portfolio.access import portfolios_visible_to

__all__ = [
    "LONG_TEXT",
    "NamedEnumField",
    "PersonField",
    "REASON_TEXT",
    "ScopedRelatedField",
    "UserSummarySerializer",
    "hours_field",
    "id_field",
    "money_field",
    "reason_field",
    "visible_people",
]


def visible_people(user: Any) -> QuerySet[User]:
    """People holding a role in one of the user's portfolios: the only people an input may name."""
    if getattr(user, "is_superuser", False):
        return User.objects.all()
    return User.objects.filter(memberships__portfolio__in=portfolios_visible_to(user).values("pk")).distinct()


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a row inside the requesting user's portfolios; any other id is "does not exist" (400).

    ``portfolio_field`` is the lookup path from the model to its portfolio id, as on the viewsets.
    """

    def __init__(self, model: type[Model], portfolio_field: str, **kwargs: Any) -> None:
        self.model = model
        self.portfolio_field = portfolio_field
        kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        queryset = self.model._default_manager.all()
        if request is None:
            return queryset.none()
        return scope_to_portfolios(queryset, request.user, self.portfolio_field)

    def to_internal_value(self, data: Any) -> Any:
        # Out-of-range numbers are "does not exist", not a database error.
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data < 2**63:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class PersonField(serializers.PrimaryKeyRelatedField):
    """A user id among the people of the requesting user's portfolios."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[User]:
        request = self.context.get("request")
        if request is None:
            return User.objects.none()
        return visible_people(request.user)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data < 2**63:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


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
