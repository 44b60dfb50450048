"""Portfolio inputs of a project: budget, costs, allocations, time, capacity, status, risks, issues, benefits."""

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from lifecycle.choices import RAG
from metrics.portfolio_inputs.choices import RISK_IMPACT_RANGE, CostCategory, IssueSeverity, RiskState
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    RagOverride,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.portfolio_inputs.services import rag as rag_rules
from portal.serializers import (
    LONG_TEXT,
    REASON_TEXT,
    NamedEnumField,
    UserSummarySerializer,
    hours_field,
    id_field,
    money_field,
)
from portfolio.api.fields import PersonField

NOTE_TEXT = 300

# --- budget and costs -----------------------------------------------------------------------------------------


class BudgetPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetPeriod
        fields = ("id", "project", "period_start", "amount", "updated_at")
        read_only_fields = fields


class BudgetSetSerializer(serializers.Serializer):
    period_start = serializers.DateField(help_text="First day of the month.")
    amount = money_field(help_text="Planned spend of that month; sending a month again replaces its amount.")


class CostEntrySerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)
    note = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = CostEntry
        fields = ("id", "project", "day", "amount", "category", "note", "created_by", "created_at")
        read_only_fields = fields


class CostEntryInputSerializer(serializers.Serializer):
    day = serializers.DateField()
    amount = money_field()
    category = serializers.ChoiceField(choices=CostCategory.choices, default=CostCategory.OTHER)
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True, default="")


class CostEntryCorrectionSerializer(serializers.Serializer):
    """Only the fields sent change; a correction always says why (kept in the audit trail)."""

    day = serializers.DateField(required=False)
    amount = money_field(required=False)
    category = serializers.ChoiceField(choices=CostCategory.choices, required=False)
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=REASON_TEXT, help_text="Why the entry is corrected.")


# --- people: allocations, time, capacity ------------------------------------------------------------------------


class AllocationSerializer(serializers.ModelSerializer):
    person = UserSummarySerializer(read_only=True)

    class Meta:
        model = Allocation
        fields = ("id", "project", "person", "week", "hours")
        read_only_fields = fields


class AllocationSetSerializer(serializers.Serializer):
    person = PersonField(help_text="User id of a member of the project's portfolio.")
    week = serializers.DateField(help_text="The Monday of the ISO week.")
    hours = hours_field(168, help_text="Planned hours; 0 frees the week. Sending a week again replaces it.")


class TimeEntrySerializer(serializers.ModelSerializer):
    person = UserSummarySerializer(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    note = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = TimeEntry
        fields = ("id", "project", "person", "day", "hours", "note", "created_by", "created_at")
        read_only_fields = fields


class TimeEntryInputSerializer(serializers.Serializer):
    person = PersonField(required=False, help_text="Whose time; yourself when left out (managers log for anyone).")
    day = serializers.DateField()
    hours = hours_field(24, min_value=Decimal("0.01"))
    note = serializers.CharField(max_length=NOTE_TEXT, required=False, allow_blank=True, default="")


class CapacitySerializer(serializers.ModelSerializer):
    person = UserSummarySerializer(read_only=True)
    capacity_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, help_text="Working hours minus leave."
    )

    class Meta:
        model = Capacity
        fields = ("id", "person", "week", "working_hours", "leave_hours", "capacity_hours")
        read_only_fields = fields


class CapacitySetSerializer(serializers.Serializer):
    person = PersonField()
    week = serializers.DateField(help_text="The Monday of the ISO week.")
    working_hours = hours_field(168)
    leave_hours = hours_field(168, default=Decimal(0))


# --- status reports -------------------------------------------------------------------------------------------


def _rag(help_text: str = "", **kwargs: Any) -> serializers.ChoiceField:
    return NamedEnumField(
        enum_name="Rag",
        choices=RAG.assessed_choices(),
        required=False,
        allow_blank=True,
        default="",
        help_text=help_text,
        **kwargs,
    )


class StatusReportSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    schedule_rag = NamedEnumField(enum_name="Rag", choices=RAG.assessed_choices(), allow_blank=True, read_only=True)
    cost_rag = NamedEnumField(enum_name="Rag", choices=RAG.assessed_choices(), allow_blank=True, read_only=True)
    risk_rag = NamedEnumField(enum_name="Rag", choices=RAG.assessed_choices(), allow_blank=True, read_only=True)
    issues_rag = NamedEnumField(enum_name="Rag", choices=RAG.assessed_choices(), allow_blank=True, read_only=True)
    override_rag = NamedEnumField(enum_name="Rag", choices=RAG.assessed_choices(), allow_blank=True, read_only=True)
    derived_rag = NamedEnumField(enum_name="Rag", choices=RAG.assessed_choices(), allow_blank=True, read_only=True)
    override_reason = serializers.CharField(read_only=True, allow_blank=True)
    summary = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = StatusReport
        fields = (
            "id",
            "project",
            "as_of",
            "schedule_rag",
            "cost_rag",
            "risk_rag",
            "issues_rag",
            "override_rag",
            "override_reason",
            "derived_rag",
            "overall_rag",
            "percent_complete",
            "summary",
            "author",
            "created_at",
        )
        read_only_fields = fields


class StatusReportSubmitSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="Not before the latest report, not in the future.")
    schedule = _rag("Schedule RAG; blank = not assessed.")
    cost = _rag()
    risk = _rag()
    issues = _rag()
    override = _rag("The PM's own overall for this report (needs `override_reason`); shown beside the computed one.")
    override_reason = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")
    percent_complete = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=Decimal(1),
        required=False,
        allow_null=True,
        default=None,
        help_text="Actual % complete as a fraction 0-1 (earned value).",
    )
    summary = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


# --- risks and issues -----------------------------------------------------------------------------------------


class RiskSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    description = serializers.CharField(read_only=True, allow_blank=True)
    mitigation = serializers.CharField(read_only=True, allow_blank=True)
    state = serializers.ChoiceField(choices=RiskState.choices, read_only=True)

    class Meta:
        model = Risk
        fields = (
            "id",
            "project",
            "title",
            "description",
            "probability",
            "impact",
            "owner",
            "state",
            "mitigation",
            "opened_on",
            "closed_on",
        )
        read_only_fields = fields


def _probability(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=Decimal(0), max_value=Decimal(1), help_text="0 to 1.", **kwargs
    )


def _impact(**kwargs: Any) -> serializers.IntegerField:
    low, high = RISK_IMPACT_RANGE
    return serializers.IntegerField(min_value=low, max_value=high, help_text="1 (minor) to 5 (severe).", **kwargs)


class RiskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    probability = _probability()
    impact = _impact()
    owner = PersonField(required=False, allow_null=True, default=None)
    mitigation = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    opened_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Today when empty.")


class RiskUpdateSerializer(serializers.Serializer):
    """Re-assess a risk: only the fields sent change. It is closed through its `close` action."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    probability = _probability(required=False)
    impact = _impact(required=False)
    owner = PersonField(required=False, allow_null=True)
    mitigation = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")


class RiskCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Today when empty.")
    reason = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")


class IssueSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    description = serializers.CharField(read_only=True, allow_blank=True)
    resolution = serializers.CharField(read_only=True, allow_blank=True)
    severity = serializers.ChoiceField(choices=IssueSeverity.choices, read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Issue
        fields = (
            "id",
            "project",
            "title",
            "description",
            "severity",
            "owner",
            "opened_on",
            "closed_on",
            "resolution",
            "is_open",
        )
        read_only_fields = fields


class IssueOpenSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=IssueSeverity.choices)
    description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    owner = PersonField(required=False, allow_null=True, default=None)
    opened_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Today when empty.")


class IssueCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Today when empty.")
    resolution = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")


# --- benefits -------------------------------------------------------------------------------------------------


class BenefitSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = Benefit
        fields = ("id", "project", "success_metric", "name", "unit", "created_at")
        read_only_fields = fields


class BenefitInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=160)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    success_metric = id_field(
        required=False, allow_null=True, default=None, help_text="Id of a success metric of the project's charter."
    )


class BenefitMeasurementSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenefitMeasurement
        fields = ("id", "benefit", "period_end", "planned", "realized", "recorded_by", "recorded_at")
        read_only_fields = fields


class BenefitMeasurementInputSerializer(serializers.Serializer):
    period_end = serializers.DateField(help_text="Last day of the period; sending a period again replaces it.")
    planned = money_field()
    realized = money_field(required=False, allow_null=True, default=None, help_text="Empty until known.")


# --- a manager's override of the computed overall RAG -----------------------------------------------------------


class RagOverrideSerializer(serializers.ModelSerializer):
    rag = NamedEnumField(enum_name="AssessedRag", choices=RAG.assessed_choices(), read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    revoked_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = RagOverride
        fields = (
            "id",
            "project",
            "rag",
            "reason",
            "expires_on",
            "created_by",
            "created_at",
            "revoked_at",
            "revoked_by",
        )
        read_only_fields = fields


class RagOverrideSetSerializer(serializers.Serializer):
    rag = NamedEnumField(enum_name="AssessedRag", choices=RAG.assessed_choices(), help_text="The RAG shown instead.")
    reason = serializers.CharField(max_length=rag_rules.REASON_MAX_LENGTH, help_text="Why; kept in the history.")
    expires_on = serializers.DateField(
        help_text=f"The last day it is in force: after today, at most {rag_rules.OVERRIDE_MAX_DAYS} days ahead."
    )

    def validate_expires_on(self, value: datetime.date) -> datetime.date:
        today = timezone.localdate()
        if value <= today:
            raise serializers.ValidationError("The last day of an override is after today.")
        if value > today + datetime.timedelta(days=rag_rules.OVERRIDE_MAX_DAYS):
            raise serializers.ValidationError(f"An override lasts at most {rag_rules.OVERRIDE_MAX_DAYS} days.")
        return value


class RagOverrideRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=rag_rules.REASON_MAX_LENGTH, required=False, allow_blank=True, default="")
