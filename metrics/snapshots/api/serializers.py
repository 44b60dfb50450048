"""Metric snapshots, each with the registry's description of its metric, and the registry itself."""

from typing import Any

from rest_framework import serializers

from metrics.formulas.registry import METRICS, MetricSpec
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot


def _spec(key: str) -> MetricSpec | None:
    return METRICS.get(key)


class MetricSnapshotSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    formula = serializers.SerializerMethodField()
    scope_type = serializers.ChoiceField(choices=ScopeType.choices, read_only=True)
    period = serializers.CharField(read_only=True, allow_blank=True, help_text="'' = as of now; else 2026-11, ...")
    detail = serializers.JSONField(read_only=True, help_text="What a chart needs: series, breakdown, inputs used.")

    class Meta:
        model = MetricSnapshot
        fields = (
            "id",
            "metric",
            "label",
            "unit",
            "formula",
            "scope_type",
            "scope_id",
            "period",
            "period_start",
            "period_end",
            "value",
            "detail",
            "portfolio",
            "project",
            "frozen",
            "computed_at",
        )
        read_only_fields = fields

    def get_label(self, snapshot: MetricSnapshot) -> str:
        spec = _spec(snapshot.metric)
        return spec.label if spec else snapshot.metric

    def get_unit(self, snapshot: MetricSnapshot) -> str:
        spec = _spec(snapshot.metric)
        return spec.unit if spec else ""

    def get_formula(self, snapshot: MetricSnapshot) -> str:
        spec = _spec(snapshot.metric)
        return spec.formula if spec else ""


class MetricSpecSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    scope = serializers.CharField(read_only=True, help_text="portfolio, scrum or product.")
    formula = serializers.CharField(read_only=True)
    inputs = serializers.ListField(child=serializers.CharField(), read_only=True)
    thresholds = serializers.CharField(read_only=True, allow_blank=True)

    def to_representation(self, spec: Any) -> dict[str, Any]:
        return {
            "key": spec.key,
            "label": spec.label,
            "unit": spec.unit,
            "scope": spec.scope,
            "formula": spec.formula,
            "inputs": list(spec.inputs),
            "thresholds": spec.thresholds,
        }
