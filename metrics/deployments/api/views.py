"""API of deployed models (with their thresholds, retrain and revalidation status) and model alerts.

Scoped by the project's portfolio like every viewset; writes go through `metrics.deployments.services.deployed_models`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle.models import Project
from metrics.deployments.choices import AlertSeverity, AlertState
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.deployments.services import alerts as alert_service
from metrics.deployments.services import deployed_models as service
from metrics.mirror.choices import Comparator
from portal.api_exceptions import error_responses
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portal.serializers import REASON_TEXT, UserSummarySerializer, id_field
from portfolio.api.base import PortfolioScopedViewSet


class DueStatusSerializer(serializers.Serializer):
    due_on = serializers.DateField(allow_null=True)
    state = serializers.ChoiceField(choices=["ok", "due_soon", "overdue", "unknown"])


class ThresholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductionThreshold
        fields = ["id", "metric_key", "comparator", "threshold", "severity"]
        read_only_fields = fields


class ThresholdInputSerializer(serializers.Serializer):
    metric_key = serializers.CharField(max_length=250)
    comparator = serializers.ChoiceField(choices=Comparator.choices, help_text="The healthy side.")
    threshold = serializers.FloatField(min_value=-1e300, max_value=1e300)
    severity = serializers.ChoiceField(choices=AlertSeverity.choices, default=AlertSeverity.HIGH)


class DeployedModelSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    thresholds = ThresholdSerializer(many=True, read_only=True)
    retrain = serializers.SerializerMethodField()
    revalidation = serializers.SerializerMethodField()
    approval_valid_days_effective = serializers.SerializerMethodField()

    class Meta:
        model = DeployedModel
        fields = [
            "id",
            "project",
            "name",
            "model_link",
            "model_version",
            "monitoring_link",
            "monitoring_run_id",
            "owner",
            "deployed_at",
            "last_trained_at",
            "retrain_every_days",
            "approved_at",
            "approval_valid_days",
            "approval_valid_days_effective",
            "is_active",
            "retrain",
            "revalidation",
            "thresholds",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DueStatusSerializer)
    def get_retrain(self, model: DeployedModel) -> dict[str, Any]:
        return DueStatusSerializer(service.retrain_status(model)).data

    @extend_schema_field(DueStatusSerializer)
    def get_revalidation(self, model: DeployedModel) -> dict[str, Any]:
        return DueStatusSerializer(service.revalidation_status(model)).data

    def get_approval_valid_days_effective(self, model: DeployedModel) -> int:
        return service.approval_valid_days(model)


class DeployedModelInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    model_link = id_field(required=False, allow_null=True, help_text="A registered-model link of the project.")
    model_version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True)
    monitoring_link = id_field(required=False, allow_null=True, help_text="An experiment link of the project.")
    monitoring_run_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    owner = id_field(required=False, allow_null=True, help_text="A member of the project's portfolio.")
    deployed_at = serializers.DateTimeField(required=False)
    last_trained_at = serializers.DateTimeField(required=False, allow_null=True)
    retrain_every_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)
    approved_at = serializers.DateTimeField(required=False, allow_null=True)
    approval_valid_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class DeployedModelCreateSerializer(DeployedModelInputSerializer):
    project = id_field()


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


class ModelAlertSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True)
    project = serializers.IntegerField(source="deployed_model.project_id", read_only=True)
    deployed_model_name = serializers.CharField(source="deployed_model.name", read_only=True)

    class Meta:
        model = ModelAlert
        fields = [
            "id",
            "project",
            "deployed_model",
            "deployed_model_name",
            "threshold",
            "metric_key",
            "observed_value",
            "threshold_value",
            "comparator",
            "severity",
            "observed_at",
            "raised_at",
            "state",
            "owner",
            "due_date",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields


class DeployedModelFilterSet(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="project_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = DeployedModel
        fields = ["project", "is_active"]


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
        if not service.can_manage_deployments(request.user, model.project):
            raise NotAllowed("Only the portfolio's project managers and data scientists evaluate deployed models.")
        opened = alert_service.deployed_model_evaluate(model.pk)
        return Response(ModelAlertSerializer(opened, many=True).data)


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000)


class ModelAlertFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlertState.choices)
    severity = django_filters.ChoiceFilter(choices=AlertSeverity.choices)
    project = django_filters.NumberFilter(field_name="deployed_model__project_id")
    deployed_model = django_filters.NumberFilter(field_name="deployed_model_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    unresolved = django_filters.BooleanFilter(method="filter_unresolved", label="Open or acknowledged only")

    class Meta:
        model = ModelAlert
        fields = ["state", "severity", "project", "deployed_model", "owner"]

    def filter_unresolved(self, queryset: QuerySet[ModelAlert], name: str, value: bool | None) -> QuerySet[ModelAlert]:
        if value is None:
            return queryset
        resolved = queryset.filter(state=AlertState.RESOLVED)
        return queryset.exclude(pk__in=resolved.values("pk")) if value else resolved


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
