"""API of deployed models (with their thresholds, retrain and revalidation status) and model alerts.

Scoped by the project's portfolio like every viewset; writes go through `metrics.deployments.services.deployed_models`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle.models import Project
from metrics.deployments.api.serializers import (
    AcknowledgeSerializer,
    DeployedModelCreateSerializer,
    DeployedModelInputSerializer,
    DeployedModelSerializer,
    ModelAlertSerializer,
    ResolveSerializer,
    ThresholdInputSerializer,
    ThresholdSerializer,
)
from metrics.deployments.filters import DeployedModelFilterSet, ModelAlertFilterSet
from metrics.deployments.models import DeployedModel, ModelAlert
from metrics.deployments.services import alerts as alert_service
from metrics.deployments.services import deployed_models as service
from portal.api_exceptions import error_responses
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_manage_deployments
from portfolio.api.base import PortfolioScopedViewSet


def _resolve(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """Ids to rows of the project itself; an id elsewhere is refused like a missing one (nothing leaks)."""
    fields = dict(data)
    lookups = {
        "model_link": project.model_links.all(),
        "monitoring_link": project.experiment_links.all(),
        "owner": User.objects.filter(memberships__portfolio_id=project.portfolio_id).distinct(),
    }
    for name, queryset in lookups.items():
        if fields.get(name) is not None:
            row = queryset.filter(pk=fields[name]).first()
            if row is None:
                raise ValidationFailed("Invalid reference.", details={name: "Not found in this project."})
            fields[name] = row
    return fields


@extend_schema(tags=["deployed models"])
class DeployedModelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """Models in production, their production thresholds, retrain and revalidation status."""

    queryset = DeployedModel.objects.all()
    serializer_class = DeployedModelSerializer
    portfolio_field = "project__portfolio_id"
    filterset_class = DeployedModelFilterSet

    def get_base_queryset(self) -> QuerySet[DeployedModel]:
        return DeployedModel.objects.select_related("owner").prefetch_related("thresholds").order_by("pk")

    def _data(self, model: DeployedModel) -> Any:
        return DeployedModelSerializer(self.get_base_queryset().get(pk=model.pk)).data

    @extend_schema(
        request=DeployedModelCreateSerializer,
        responses={201: DeployedModelSerializer, **error_responses(400, 403, 409)},
        summary="Register a deployed model (project in deployment or closure; managers and data scientists)",
    )
    def create(self, request: Request) -> Response:
        given = DeployedModelCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        project = self.scoped(Project, "portfolio_id").filter(pk=data.pop("project")).first()
        if project is None:
            raise ValidationFailed("No such project.", details={"project": "Not found."})
        model = service.deployed_model_register(actor=request.user, project=project, **_resolve(project, data))
        return Response(self._data(model), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DeployedModelInputSerializer(partial=True),
        responses={200: DeployedModelSerializer, **error_responses(400, 403, 404)},
        summary="Change a deployed model (e.g. record a retraining with last_trained_at)",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        model = self.get_object()
        given = DeployedModelInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        fields = _resolve(model.project, given.validated_data)
        model = service.deployed_model_update(actor=request.user, model=model, **fields)
        return Response(self._data(model))

    @extend_schema(
        methods=["GET"], responses={200: ThresholdSerializer(many=True), **error_responses(404)}, summary="Thresholds"
    )
    @extend_schema(
        methods=["POST"],
        request=ThresholdInputSerializer,
        responses={200: ThresholdSerializer, **error_responses(400, 403, 404)},
        summary="Set the threshold of one production metric (creates or replaces it)",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def thresholds(self, request: Request, pk: Any = None) -> Response:
        model = self.get_object()
        if request.method == "GET":
            return Response(ThresholdSerializer(model.thresholds.all(), many=True).data)
        given = ThresholdInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        row = service.production_threshold_set(actor=request.user, model=model, **given.validated_data)
        return Response(ThresholdSerializer(row).data)

    @extend_schema(
        request=None,
        responses={200: ModelAlertSerializer(many=True), **error_responses(403, 404)},
        summary="Evaluate the thresholds against the mirrored metrics now; returns the alerts opened",
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def evaluate(self, request: Request, pk: Any = None) -> Response:
        model = self.get_object()
        if not can_manage_deployments(request.user, model.project):
            raise NotAllowed("Only the portfolio's project managers and data scientists evaluate deployed models.")
        opened = alert_service.deployed_model_evaluate(model.pk)
        return Response(ModelAlertSerializer(opened, many=True).data)


@extend_schema(tags=["deployed models"])
class ModelAlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """Threshold breaches of deployed models: action items with an owner and a due date."""

    queryset = ModelAlert.objects.all()
    serializer_class = ModelAlertSerializer
    portfolio_field = "deployed_model__project__portfolio_id"
    filterset_class = ModelAlertFilterSet

    def get_base_queryset(self) -> QuerySet[ModelAlert]:
        return ModelAlert.objects.select_related("owner", "deployed_model").order_by("-raised_at", "-pk")

    @extend_schema(
        request=AcknowledgeSerializer,
        responses={200: ModelAlertSerializer, **error_responses(400, 403, 404, 409)},
        summary="Acknowledge (the alert's owner or a project manager)",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        alert = self.get_object()
        given = AcknowledgeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        alert = alert_service.model_alert_acknowledge(
            actor=request.user, alert=alert, note=given.validated_data["note"]
        )
        return Response(ModelAlertSerializer(self.get_base_queryset().get(pk=alert.pk)).data)

    @extend_schema(
        request=ResolveSerializer,
        responses={200: ModelAlertSerializer, **error_responses(400, 403, 404, 409)},
        summary="Resolve with what was done (the alert's owner or a project manager)",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: Any = None) -> Response:
        alert = self.get_object()
        given = ResolveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        alert = alert_service.model_alert_resolve(
            actor=request.user, alert=alert, resolution=given.validated_data["resolution"]
        )
        return Response(ModelAlertSerializer(self.get_base_queryset().get(pk=alert.pk)).data)
