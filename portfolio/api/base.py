"""The one place the API scopes rows to the user's portfolios.

DRF runs object permissions only when a view calls `get_object()`, so lists and custom actions
would leak if each viewset filtered on its own. Every API viewset therefore derives from
`PortfolioScopedViewSet`, whose `get_queryset()` keeps only rows of portfolios the user belongs
to; a row outside them is simply not found (404), never "forbidden". tests/api/test_scoping.py
walks every registered route to hold every viewset to this.
"""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from rest_framework.parsers import JSONParser
from rest_framework.viewsets import GenericViewSet

from portal.api_base import ApiMetadata, ScopedAutoSchema
from portfolio.access import portfolios_visible_to
from portfolio.models import Membership


def scope_to_portfolios(
    queryset: QuerySet[Any], user: AbstractBaseUser | AnonymousUser, portfolio_field: str
) -> QuerySet[Any]:
    """Rows of `queryset` whose `portfolio_field` (a lookup path to a portfolio id) the user may see."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    # A subquery, not a join: no duplicate rows, and it composes with select_for_update.
    return queryset.filter(**{f"{portfolio_field}__in": portfolios_visible_to(user).values("pk")})


def scope_to_organization(queryset: QuerySet[Any], user: AbstractBaseUser | AnonymousUser) -> QuerySet[Any]:
    """Reference data shared by the whole organization: visible to anyone holding a role somewhere."""
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser or Membership.objects.filter(user=user).exists():
        return queryset
    return queryset.none()


class PortfolioScopedViewSet(GenericViewSet):
    """Base of every API viewset.

    Subclasses name `portfolio_field`, the lookup path from their model to its portfolio id
    ("portfolio_id", "project__portfolio_id", ...), and build their rows in `get_base_queryset()`.
    Organization-wide reference data (business units, strategic goals) sets `organization_wide`
    instead; it is still hidden from anyone who holds no role at all.
    """

    portfolio_field: ClassVar[str | None] = None
    # JSON bodies only (nested sections and lists); the artifact upload adds multipart itself.
    parser_classes = (JSONParser,)
    schema = ScopedAutoSchema()
    metadata_class = ApiMetadata  # OPTIONS without get_object(): the singleton sub-resources have no pk
    organization_wide: ClassVar[bool] = False

    def get_base_queryset(self) -> QuerySet[Any]:
        assert self.queryset is not None, f"{type(self).__name__} needs a queryset or get_base_queryset()"
        return self.queryset.all()

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.get_base_queryset()
        user = self.request.user
        if self.organization_wide:
            return scope_to_organization(queryset, user)
        if not self.portfolio_field:
            raise NotImplementedError(f"{type(self).__name__} must name its portfolio_field")
        return scope_to_portfolios(queryset, user, self.portfolio_field)

    def scoped(self, model_or_queryset: type[Model] | QuerySet[Any], portfolio_field: str) -> QuerySet[Any]:
        """Scope another queryset the same way, for a viewset that reads a second model."""
        queryset = (
            model_or_queryset if isinstance(model_or_queryset, QuerySet) else model_or_queryset._default_manager.all()
        )
        return scope_to_portfolios(queryset, self.request.user, portfolio_field)
