"""Shapes of the evidence API: runs found by the search, evidence rows of a review, rule results, gate rules."""

from typing import Any

from rest_framework import serializers

from lifecycle.choices import Phase
from metrics.evidence.choices import EvidenceKind, EvidenceRequestStatus, GateRuleKind
from metrics.evidence.models import GateRule
from metrics.evidence.rules import Outcome
from metrics.evidence.services.locking import NOTE_MAX
from metrics.evidence.services.rules import DESCRIPTION_MAX, KEY_MAX, rule_label_of
from metrics.mirror.choices import Comparator
from metrics.mirror.models import MlflowRun
from portal.serializers import UserSummarySerializer, finite_float_field, id_field


class RunSerializer(serializers.ModelSerializer):
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True), read_only=True)
    params = serializers.DictField(child=serializers.CharField(), read_only=True)
    tags = serializers.DictField(child=serializers.CharField(), read_only=True)
    server = serializers.CharField(source="server.name", read_only=True)

    class Meta:
        model = MlflowRun
        fields = (
            "id",
            "server",
            "experiment_id",
            "run_id",
            "run_name",
            "status",
            "start_time",
            "end_time",
            "deleted",
            "metrics",
            "params",
            "tags",
            "artifact_uri",
        )
        read_only_fields = fields


class ChangeSerializer(serializers.Serializer):
    evidence_id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named label, not Field.label
    what = serializers.CharField(read_only=True, help_text="e.g. 'metric val_auc changed', 'run deleted in MLflow'.")
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)


class EvidenceSerializer(serializers.Serializer):
    """One attached run or model version. `snapshot` is what it is judged on: the live mirror while the review
    is open, the decision's frozen copy once decided (then `changes` lists what MLflow shows differently)."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, read_only=True)
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named label, not Field.label
    note = serializers.CharField(read_only=True)
    attached_by = UserSummarySerializer(read_only=True)
    attached_at = serializers.DateTimeField(read_only=True)
    snapshot = serializers.JSONField(read_only=True)
    attached_snapshot = serializers.JSONField(read_only=True, help_text="What the mirror held when it was attached.")
    decision_snapshot = serializers.JSONField(read_only=True, allow_null=True)
    changes = ChangeSerializer(many=True, read_only=True)


class RuleResultSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="The rule's kind (see gate-rules).")
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named label, not Field.label
    outcome = serializers.ChoiceField(choices=[(o.value, o.value) for o in Outcome], read_only=True)
    reason = serializers.CharField(read_only=True)
    evidence_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)


class ReviewEvidenceSerializer(serializers.Serializer):
    review = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    changed_since_decision = serializers.BooleanField(read_only=True)
    changes = ChangeSerializer(many=True, read_only=True)
    items = EvidenceSerializer(many=True, read_only=True)


class CriteriaSerializer(serializers.Serializer):
    review = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    evaluated = serializers.CharField(read_only=True, help_text="'now' (open review) or 'at_decision'.")
    override_reason = serializers.CharField(read_only=True)
    all_passed = serializers.BooleanField(read_only=True)
    results = RuleResultSerializer(many=True, read_only=True)


class EvidenceAttachSerializer(serializers.Serializer):
    run_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    model_name = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        by_run = bool(attrs["run_id"].strip())
        by_version = bool(attrs["model_name"].strip()) or attrs["version"] is not None
        if by_run == by_version:
            raise serializers.ValidationError("Give either run_id, or model_name and version.")
        if by_version and not (attrs["model_name"].strip() and attrs["version"] is not None):
            raise serializers.ValidationError("A model version needs model_name and version.")
        return attrs


class GateRuleSerializer(serializers.ModelSerializer):
    """A rule as read, and as given to create one (kind, gate, portfolio and project are fixed afterwards)."""

    portfolio = id_field(source="portfolio_id", help_text="A portfolio you manage.")
    project = id_field(
        source="project_id", required=False, allow_null=True, default=None, help_text="Empty: every project."
    )
    phase = serializers.ChoiceField(choices=Phase.choices, help_text="The gate that ends this phase.")
    kind = serializers.ChoiceField(choices=GateRuleKind.choices)
    label = serializers.SerializerMethodField()  # type: ignore[assignment]
    metric_key = serializers.CharField(max_length=KEY_MAX, required=False, allow_blank=True, default="")
    comparator = serializers.ChoiceField(choices=Comparator.choices, required=False, allow_blank=True, default="")
    threshold = finite_float_field(required=False, allow_null=True, default=None)
    param_key = serializers.CharField(max_length=KEY_MAX, required=False, allow_blank=True, default="")
    alias = serializers.CharField(max_length=KEY_MAX, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = GateRule
        fields = (
            "id",
            "portfolio",
            "project",
            "phase",
            "kind",
            "label",
            "metric_key",
            "comparator",
            "threshold",
            "param_key",
            "alias",
            "description",
            "is_active",
            "created_at",
        )
        read_only_fields = ("id", "label", "created_at")

    def get_label(self, rule: GateRule) -> str:
        return rule_label_of(rule)


class GateRuleUpdateSerializer(serializers.Serializer):
    """What changes on a rule; kind, gate, portfolio and project are fixed (add a new rule instead)."""

    metric_key = serializers.CharField(max_length=KEY_MAX, required=False, allow_blank=True)
    comparator = serializers.ChoiceField(choices=Comparator.choices, required=False, allow_blank=True)
    threshold = finite_float_field(required=False, allow_null=True)
    param_key = serializers.CharField(max_length=KEY_MAX, required=False, allow_blank=True)
    alias = serializers.CharField(max_length=KEY_MAX, required=False, allow_blank=True)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class EvidenceRequestSerializer(serializers.Serializer):
    """Evidence asked of a person on a review: open until they attach evidence to it (fulfilled) or it is
    withdrawn."""

    id = serializers.IntegerField(read_only=True)
    review = serializers.IntegerField(source="review_id", read_only=True)
    asked = UserSummarySerializer(read_only=True)
    requested_by = UserSummarySerializer(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    note = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=EvidenceRequestStatus.choices, read_only=True)
    closed_by = UserSummarySerializer(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EvidenceRequestCreateSerializer(serializers.Serializer):
    asked = id_field(help_text="The person asked: a member of the portfolio who can attach evidence.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)


class EvidenceRequestWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX)
