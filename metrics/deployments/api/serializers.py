"""Serializers of the deployed models API: models, thresholds, alerts and their actions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from metrics.deployments.choices import AlertSeverity
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.deployments.services import deployed_models as service
from metrics.mirror.choices import Comparator
from portal.serializers import REASON_TEXT, UserSummarySerializer, finite_float_field, id_field


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
    threshold = finite_float_field()
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


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=5000)
