"""Computed metric snapshots (read-only; dashboards read the same rows) and the metric registry."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from metrics.formulas.registry import METRICS, MetricSpec
from metrics.snapshots import filters
from metrics.snapshots.api.serializers import MetricSnapshotSerializer, MetricSpecSerializer
from metrics.snapshots.models import MetricSnapshot
from portal.api_exceptions import error_responses
from portal.exceptions import ValidationFailed
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.models import Membership

METRIC_SCOPES = ("portfolio", "scrum", "product")
KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, description="The metric's registry key.")
SCOPE = OpenApiParameter(
    "scope", OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, enum=METRIC_SCOPES, description="Area."
)


@extend_schema(tags=["metrics"])
class MetricSnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """One metric for one scope and period, as last computed (`computed_at`), with its registry description."""

    queryset = MetricSnapshot.objects.all()
    serializer_class = MetricSnapshotSerializer
    filterset_class = filters.MetricSnapshotFilterSet
    portfolio_field = "portfolio_id"


@extend_schema(tags=["metrics"])
class MetricViewSet(PortfolioScopedViewSet):
    """The registry: what each metric means, its formula, inputs and thresholds."""

    organization_wide = True
    queryset = Membership.objects.all()  # probe: anyone holding a role sees the registry
    serializer_class = MetricSpecSerializer
    pagination_class = None

    def _specs(self) -> list[MetricSpec]:
        return list(METRICS.values()) if self.get_queryset().exists() else []

    @extend_schema(
        parameters=[SCOPE],
        responses={200: MetricSpecSerializer(many=True), **error_responses(400)},
        summary="Every metric of the registry",
    )
    def list(self, request: Request) -> Response:
        scope = request.query_params.get("scope") or None  # `?scope=` is no filter, as for every list's filters
        if scope is not None and scope not in METRIC_SCOPES:
            raise ValidationFailed("Unknown scope.", details={"scope": f"One of {', '.join(METRIC_SCOPES)}."})
        specs = [spec for spec in self._specs() if scope is None or spec.scope == scope]
        return Response(MetricSpecSerializer(specs, many=True).data)

    @extend_schema(parameters=[KEY], responses={200: MetricSpecSerializer, **error_responses(404)})
    def retrieve(self, request: Request, key: str = "") -> Response:
        spec = next((spec for spec in self._specs() if spec.key == key), None)
        if spec is None:
            raise Http404
        return Response(MetricSpecSerializer(spec).data)
