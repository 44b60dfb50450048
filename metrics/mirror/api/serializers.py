"""Serializers of the MLflow mirror API: tracking servers and links (read shapes, and inputs that check form only)."""

from __future__ import annotations

from rest_framework import serializers

from metrics.mirror.choices import SyncStatus
from metrics.mirror.models import ExperimentLink, RegisteredModelLink, TrackingServer
from metrics.mirror.services import links
from portal.serializers import id_field


class TrackingServerSerializer(serializers.ModelSerializer):
    uses_credentials = serializers.SerializerMethodField(
        help_text="Whether the portal authenticates to this server (the variable names are shown to staff only)."
    )

    class Meta:
        model = TrackingServer
        fields = ["id", "name", "uri", "is_default", "timeout_s", "max_retries", "uses_credentials", "created_at"]

    def get_uses_credentials(self, server: TrackingServer) -> bool:
        return bool(server.username_env or server.token_env)


class TrackingServerStaffSerializer(TrackingServerSerializer):
    portfolios = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Portfolios whose projects may use the server (none when empty)."
    )

    class Meta(TrackingServerSerializer.Meta):
        fields = [*TrackingServerSerializer.Meta.fields, "username_env", "password_env", "token_env", "portfolios"]


class TrackingServerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    uri = serializers.CharField(max_length=500)
    username_env = serializers.CharField(max_length=100, required=False, allow_blank=True)
    password_env = serializers.CharField(max_length=100, required=False, allow_blank=True)
    token_env = serializers.CharField(max_length=100, required=False, allow_blank=True)
    timeout_s = serializers.IntegerField(min_value=1, max_value=600, required=False)
    max_retries = serializers.IntegerField(min_value=0, max_value=10, required=False)
    is_default = serializers.BooleanField(required=False)
    portfolios = serializers.ListField(
        child=id_field(),
        required=False,
        max_length=1000,
        help_text="Portfolio ids whose projects may use the server; replaces the list. Empty: no portfolio.",
    )


class SyncStateSerializer(serializers.ModelSerializer):
    server_name = serializers.CharField(source="server.name", read_only=True)
    is_stale = serializers.BooleanField(read_only=True)
    sync_status = serializers.ChoiceField(choices=SyncStatus.choices, read_only=True)

    SYNC_FIELDS = [
        "last_synced_at",
        "last_error",
        "last_error_at",
        "sync_status",
        "sync_started_at",
        "sync_progress",
        "is_stale",
        "created_at",
    ]


class ExperimentLinkSerializer(SyncStateSerializer):
    key_metrics = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ExperimentLink
        fields = [
            "id",
            "project",
            "server",
            "server_name",
            "experiment_id",
            "name",
            "key_metrics",
            *SyncStateSerializer.SYNC_FIELDS,
        ]
        read_only_fields = fields


class ModelLinkSerializer(SyncStateSerializer):
    class Meta:
        model = RegisteredModelLink
        fields = ["id", "project", "server", "server_name", "model_name", *SyncStateSerializer.SYNC_FIELDS]
        read_only_fields = fields


def key_field() -> serializers.CharField:
    return serializers.CharField(max_length=250)


class ExperimentLinkCreateSerializer(serializers.Serializer):
    server = id_field(required=False, help_text="A tracking server id; the default server when omitted.")
    experiment_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    experiment_name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    key_metrics = serializers.ListField(
        child=key_field(), required=False, default=list, max_length=links.MAX_KEY_METRICS
    )


class KeyMetricsSerializer(serializers.Serializer):
    key_metrics = serializers.ListField(child=key_field(), max_length=links.MAX_KEY_METRICS)


class ModelLinkCreateSerializer(serializers.Serializer):
    server = id_field(required=False, help_text="A tracking server id; the default server when omitted.")
    model_name = serializers.CharField(max_length=500)


class SyncRequestedSerializer(serializers.Serializer):
    queued = serializers.BooleanField(help_text="False when a sync was already queued or running.")
    sync_status = serializers.ChoiceField(choices=SyncStatus.choices)
    last_error = serializers.CharField()
