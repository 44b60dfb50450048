"""Read-only shapes of the organization: portfolios, their members, business units, strategic goals."""

from rest_framework import serializers

from portal.serializers import UserSummarySerializer
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal


class PortfolioSerializer(serializers.ModelSerializer):
    class Meta:
        model = Portfolio
        fields = ("id", "name", "slug", "description")
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ("user", "role")
        read_only_fields = fields


class BusinessUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessUnit
        fields = ("id", "name")
        read_only_fields = fields


class StrategicGoalSerializer(serializers.ModelSerializer):
    class Meta:
        model = StrategicGoal
        fields = ("id", "name", "description")
        read_only_fields = fields
