"""Projects: the read shape, and the input shapes of create and update (shape only; rules are in services)."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lifecycle.audit_catalog import AuditKind, audit_entry
from lifecycle.choices import RiskTier
from lifecycle.models import AuditRecord, Project
from portal.serializers import (
    NamedRefSerializer,
    PortfolioRefSerializer,
    UserSummarySerializer,
    reason_field,
)
from portfolio.access import portfolios_visible_to
from portfolio.models import BusinessUnit, Portfolio, StrategicGoal

User = get_user_model()


class ProjectSerializer(serializers.ModelSerializer):
    portfolio = PortfolioRefSerializer(read_only=True)
    business_unit = NamedRefSerializer(read_only=True, allow_null=True)
    strategic_goal = NamedRefSerializer(read_only=True, allow_null=True)
    owner = UserSummarySerializer(read_only=True)
    sponsor = UserSummarySerializer(read_only=True)
    open_reviews = serializers.IntegerField(read_only=True, help_text="Gate reviews waiting for a decision.")
    rag_differs = serializers.BooleanField(
        read_only=True, help_text="The PM's reported RAG is not the computed one (both assessed)."
    )

    class Meta:
        model = Project
        fields = (
            "id",
            "code",
            "name",
            "portfolio",
            "business_unit",
            "strategic_goal",
            "owner",
            "sponsor",
            "risk_tier",
            "ideation_date",
            "start_date",
            "target_end_date",
            "actual_end_date",
            "phase",
            "state",
            "overall_rag",
            "computed_rag",
            "reported_rag",
            "rag_differs",
            "rag_override_until",
            "rag_override_reason",
            "open_reviews",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class _VisibleChoicesMixin:
    """Restrict related-object choices to what the requesting user can see: ids outside are "invalid"."""

    fields: Any
    context: dict[str, Any]

    def _narrow_choices(self) -> None:
        request = self.context.get("request")
        if request is None:
            return
        portfolios = portfolios_visible_to(request.user)
        if "portfolio" in self.fields:
            self.fields["portfolio"].queryset = portfolios
        people = User.objects.filter(memberships__portfolio__in=portfolios).distinct()
        for name in ("owner", "sponsor"):
            if name in self.fields:
                self.fields[name].queryset = people


class ProjectCreateSerializer(_VisibleChoicesMixin, serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text="Unique reference, stored upper-case, e.g. AML-042.")
    name = serializers.CharField(max_length=200)
    portfolio = serializers.PrimaryKeyRelatedField(queryset=Portfolio.objects.none())
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), help_text="A PM of the portfolio.")
    sponsor = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.none(), help_text="An executive leader of the portfolio."
    )
    business_unit = serializers.PrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(), required=False, allow_null=True, default=None
    )
    strategic_goal = serializers.PrimaryKeyRelatedField(
        queryset=StrategicGoal.objects.all(), required=False, allow_null=True, default=None
    )
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, default=RiskTier.MEDIUM)
    ideation_date = serializers.DateField()
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    target_end_date = serializers.DateField(required=False, allow_null=True, default=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._narrow_choices()


class ProjectUpdateSerializer(_VisibleChoicesMixin, serializers.Serializer):
    """Every field optional: only those sent change. Phase and state change through gates and resume."""

    name = serializers.CharField(max_length=200, required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    sponsor = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)
    business_unit = serializers.PrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(), required=False, allow_null=True
    )
    strategic_goal = serializers.PrimaryKeyRelatedField(
        queryset=StrategicGoal.objects.all(), required=False, allow_null=True
    )
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, required=False)
    ideation_date = serializers.DateField(required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    target_end_date = serializers.DateField(required=False, allow_null=True)
    reason = reason_field(help_text="Why the change, kept in the audit trail.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._narrow_choices()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "overall_rag" in getattr(self, "initial_data", {}):
            raise serializers.ValidationError(
                {"overall_rag": "Computed from the inputs; a manager overrides it at projects/{id}/rag-override/."}
            )
        return attrs


class ResumeSerializer(serializers.Serializer):
    reason = reason_field(required=True, allow_blank=False, help_text="Why the project comes off hold.")


class AuditRecordSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    kind = serializers.SerializerMethodField(help_text="What the change is about (the history's `kind` filter).")
    label = serializers.SerializerMethodField(
        help_text='The action as it reads after the actor\'s name ("decided the gate"); an unknown action, its code.'
    )
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)

    class Meta:
        model = AuditRecord
        fields = (
            "id",
            "at",
            "actor",
            "action",
            "kind",
            "label",
            "target_type",
            "target_id",
            "before",
            "after",
            "reason",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=AuditKind.choices))
    def get_kind(self, record: AuditRecord) -> str:
        return str(audit_entry(record.action).kind)

    def get_label(self, record: AuditRecord) -> str:
        return audit_entry(record.action).label
