"""Serializer fields that name rows and people inside the requesting user's portfolios."""

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers

from portal.models import User
from portfolio.access import portfolios_visible_to
from portfolio.api.base import scope_to_portfolios


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
