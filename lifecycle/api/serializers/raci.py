"""The RACI grid and the phase checklist (activities)."""

from rest_framework import serializers

from lifecycle.choices import Phase, RaciRole
from lifecycle.models import Activity, RaciAssignment
from portal.serializers import UserSummarySerializer, id_field, reason_field
from portfolio.choices import Role


class RaciAssignmentSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = RaciAssignment
        fields = ("user", "role")
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ("id", "project", "phase", "name", "position", "is_gate", "done")
        read_only_fields = fields


class RaciActivitySerializer(ActivitySerializer):
    assignments = RaciAssignmentSerializer(many=True, read_only=True)

    class Meta(ActivitySerializer.Meta):
        fields = (*ActivitySerializer.Meta.fields, "assignments")
        read_only_fields = fields


class PortfolioPersonSerializer(serializers.Serializer):
    """Someone who can be given a RACI role: a member of the project's portfolio."""

    user = UserSummarySerializer(read_only=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True)


class RaciGridSerializer(serializers.Serializer):
    activities = RaciActivitySerializer(many=True, read_only=True)
    people = PortfolioPersonSerializer(many=True, read_only=True)


class RaciCellSerializer(serializers.Serializer):
    activity = id_field()
    user = id_field()
    role = serializers.ChoiceField(
        choices=RaciRole.choices, allow_null=True, allow_blank=True, help_text="R, A, C or I; null or '' clears."
    )


class RaciUpdateSerializer(serializers.Serializer):
    """PATCH sets the cells sent; PUT replaces the grid (every cell not sent is cleared)."""

    cells = RaciCellSerializer(many=True, max_length=5000)
    reason = reason_field()


class ActivityCreateSerializer(serializers.Serializer):
    phase = serializers.ChoiceField(choices=Phase.choices)
    name = serializers.CharField(max_length=200)


class ActivityUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    done = serializers.BooleanField(required=False)


class ActivityRemoveSerializer(serializers.Serializer):
    reason = reason_field()
