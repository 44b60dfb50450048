"""Read-only organization endpoints. Portfolios are scoped to the user's own; business units and
strategic goals are organization-wide reference data, shown to anyone holding a role somewhere."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.api.serializers import (
    BusinessUnitSerializer,
    MembershipSerializer,
    PortfolioSerializer,
    StrategicGoalSerializer,
)
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal


@extend_schema(tags=["organization"])
class PortfolioViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Portfolio.objects.order_by("name")
    serializer_class = PortfolioSerializer
    portfolio_field = "id"

    @extend_schema(responses={200: MembershipSerializer(many=True), **error_responses(404)}, summary="Members")
    @action(detail=True, methods=["get"], pagination_class=None)
    def members(self, request: Request, pk: Any = None) -> Response:
        portfolio = self.get_object()
        memberships = (
            Membership.objects.filter(portfolio=portfolio).select_related("user").order_by("user__username", "role")
        )
        return Response(MembershipSerializer(memberships, many=True).data)


@extend_schema(tags=["organization"])
class BusinessUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = BusinessUnit.objects.order_by("name")
    serializer_class = BusinessUnitSerializer
    organization_wide = True


@extend_schema(tags=["organization"])
class StrategicGoalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = StrategicGoal.objects.order_by("name")
    serializer_class = StrategicGoalSerializer
    organization_wide = True
