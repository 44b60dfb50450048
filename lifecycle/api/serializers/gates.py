"""Gate reviews: the review with its votes, actions and frozen evidence; vote and decision inputs."""

from typing import Any

from rest_framework import serializers

from lifecycle.catalog import phase_definition
from lifecycle.choices import GateDecision, NoGoOutcome
from lifecycle.models import GateAction, GateReview, GateVote
from lifecycle.services.gates import ActionInput
from portal.serializers import LONG_TEXT, REASON_TEXT, UserSummarySerializer, id_field


class GateVoteSerializer(serializers.ModelSerializer):
    voter = UserSummarySerializer(read_only=True)
    scores = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = GateVote
        fields = ("id", "voter", "vote", "comment", "scores", "voted_at")
        read_only_fields = fields


class GateActionSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = GateAction
        fields = ("id", "review", "kind", "description", "owner", "due_date", "completed_at", "is_overdue")
        read_only_fields = fields


class GateCriterionSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    help = serializers.CharField(read_only=True)


class GateReviewSummarySerializer(serializers.ModelSerializer):
    requested_by = UserSummarySerializer(read_only=True)
    # Empty until decided (read-only model fields lose `blank`, so the schema needs it said here).
    decision = serializers.ChoiceField(choices=GateDecision.choices, allow_blank=True, read_only=True)
    no_go_outcome = serializers.ChoiceField(choices=NoGoOutcome.choices, allow_blank=True, read_only=True)
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = GateReview
        fields = (
            "id",
            "project",
            "phase",
            "status",
            "requested_by",
            "requested_at",
            "request_note",
            "decision",
            "no_go_outcome",
            "rationale",
            "decided_by",
            "decided_at",
        )
        read_only_fields = fields


class GateReviewSerializer(GateReviewSummarySerializer):
    """The whole review. `accountable` and `consulted` come from the view (the RACI of the gate)."""

    gate_name = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    votes = GateVoteSerializer(many=True, read_only=True)
    actions = GateActionSerializer(many=True, read_only=True)
    evidence = serializers.JSONField(
        read_only=True,
        help_text="Frozen at decision: artifact versions and waivers; MLflow evidence snapshots (`mlflow`) and the "
        "automated criteria results (`rules`).",
    )
    override_reason = serializers.CharField(
        read_only=True, help_text="Why the gate was passed although an automated criterion did not pass."
    )
    accountable = serializers.SerializerMethodField()
    consulted = serializers.SerializerMethodField()

    class Meta(GateReviewSummarySerializer.Meta):
        fields = (
            *GateReviewSummarySerializer.Meta.fields,
            "gate_name",
            "criteria",
            "votes",
            "actions",
            "evidence",
            "override_reason",
            "accountable",
            "consulted",
        )
        read_only_fields = fields

    def get_gate_name(self, review: GateReview) -> str:
        return phase_definition(review.phase).gate_name

    @staticmethod
    def _criteria(review: GateReview) -> list[dict[str, str]]:
        return [{"key": c.key, "label": c.label, "help": c.help} for c in phase_definition(review.phase).criteria]

    def get_criteria(self, review: GateReview) -> list[dict[str, Any]]:
        return GateCriterionSerializer(self._criteria(review), many=True).data  # type: ignore[return-value]

    def get_accountable(self, review: GateReview) -> int | None:
        return self.context["gate_people"][0]

    def get_consulted(self, review: GateReview) -> list[int]:
        return sorted(self.context["gate_people"][1])


class GateRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")


class GateVoteInputSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=GateDecision.choices)
    comment = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        required=False,
        default=dict,
        help_text="Criterion key -> score 1 (poor) to 5 (excellent); keys from the review's `criteria`.",
    )


class GateActionInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=REASON_TEXT)
    owner = id_field(help_text="User id of a member of the portfolio.")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class GateDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=GateDecision.choices)
    rationale = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    no_go_outcome = serializers.ChoiceField(
        choices=NoGoOutcome.choices, required=False, allow_blank=True, default="", help_text="Only for a no-go."
    )
    actions = GateActionInputSerializer(
        many=True,
        required=False,
        default=list,
        max_length=200,
        help_text="Conditions (conditional go, each with a due date) or rework items (recycle).",
    )
    override_reason = serializers.CharField(
        max_length=REASON_TEXT,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for a go or conditional go while an automated criterion does not pass (audited).",
    )

    def action_inputs(self) -> list[ActionInput]:
        return [
            ActionInput(description=a["description"], owner_id=a["owner"], due_date=a["due_date"])
            for a in self.validated_data["actions"]
        ]
