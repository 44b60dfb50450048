"""Scrum: teams, sprints and their transitions, work items and the change log, retrospective actions, mood."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from lifecycle.models import Project
from metrics.scrum.choices import MOOD_SCORES, ItemType, SprintState, StateGroup
from metrics.scrum.models import (
    POINTS_DECIMALS,
    POINTS_DIGITS,
    MoodVote,
    RetroAction,
    Sprint,
    Team,
    WorkItem,
    WorkItemChange,
)
from portal.serializers import LONG_TEXT, REASON_TEXT, UserSummarySerializer
from portfolio.api.fields import PersonField, ScopedRelatedField
from portfolio.models import Portfolio

POINTS_MAX = Decimal(10) ** (POINTS_DIGITS - POINTS_DECIMALS) - Decimal("0.1")
AT_HELP = "When it happened (for back-filled history); now when left out. Never in the future."


def _points(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=POINTS_DIGITS,
        decimal_places=POINTS_DECIMALS,
        min_value=Decimal(0),
        max_value=POINTS_MAX,
        allow_null=True,
        help_text="Story points (one decimal at most); null = not estimated.",
        **kwargs,
    )


def _at(**kwargs: Any) -> serializers.DateTimeField:
    return serializers.DateTimeField(required=False, allow_null=True, default=None, help_text=AT_HELP, **kwargs)


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="User ids.")

    class Meta:
        model = Team
        fields = ("id", "portfolio", "project", "name", "members", "created_at")
        read_only_fields = fields


class TeamCreateSerializer(serializers.Serializer):
    portfolio = ScopedRelatedField(Portfolio, "id")
    name = serializers.CharField(max_length=120)
    project = ScopedRelatedField(
        Project,
        "portfolio_id",
        required=False,
        allow_null=True,
        default=None,
        help_text="The project the team delivers, if it serves one.",
    )
    members = serializers.ListField(child=PersonField(), required=False, default=list, max_length=500)


class SprintSerializer(serializers.ModelSerializer):
    goal = serializers.CharField(read_only=True, allow_blank=True)
    state = serializers.ChoiceField(choices=SprintState.choices, read_only=True)
    summary = serializers.JSONField(read_only=True, allow_null=True, help_text="Frozen at the first close.")

    class Meta:
        model = Sprint
        fields = (
            "id",
            "team",
            "name",
            "goal",
            "planned_start",
            "planned_end",
            "state",
            "started_at",
            "completed_at",
            "last_closed_at",
            "reopen_count",
            "summary",
            "created_at",
        )
        read_only_fields = fields


class SprintCreateSerializer(serializers.Serializer):
    team = ScopedRelatedField(Team, "portfolio_id")
    name = serializers.CharField(max_length=120)
    goal = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True, default="")
    planned_start = serializers.DateField()
    planned_end = serializers.DateField()


class SprintMomentSerializer(serializers.Serializer):
    at = _at()


class SprintReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_TEXT, help_text="Why the closed sprint is reopened.")
    at = _at()


class WorkItemSerializer(serializers.ModelSerializer):
    item_type = serializers.ChoiceField(choices=ItemType.choices, read_only=True)
    state_group = serializers.ChoiceField(choices=StateGroup.choices, read_only=True)

    class Meta:
        model = WorkItem
        fields = (
            "id",
            "team",
            "key",
            "title",
            "item_type",
            "points",
            "state_group",
            "sprint",
            "created_at",
            "resolved_at",
            "origin_sprint",
            "found_in_item",
        )
        read_only_fields = fields


class WorkItemCreateSerializer(serializers.Serializer):
    team = ScopedRelatedField(Team, "portfolio_id")
    key = serializers.CharField(max_length=40, help_text="Tracker key, unique within the team, e.g. ML-142.")
    title = serializers.CharField(max_length=300)
    item_type = serializers.ChoiceField(choices=ItemType.choices, default=ItemType.STORY)
    points = _points(required=False, default=None)
    state_group = serializers.ChoiceField(choices=StateGroup.choices, default=StateGroup.BACKLOG)
    sprint = ScopedRelatedField(Sprint, "team__portfolio_id", required=False, allow_null=True, default=None)
    at = _at()
    resolved_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    origin_sprint = ScopedRelatedField(Sprint, "team__portfolio_id", required=False, allow_null=True, default=None)
    found_in_item = ScopedRelatedField(WorkItem, "team__portfolio_id", required=False, allow_null=True, default=None)


class WorkItemUpdateSerializer(serializers.Serializer):
    """Only the fields sent change; a change of sprint, state, points or type is written to the change log."""

    title = serializers.CharField(max_length=300, required=False)
    item_type = serializers.ChoiceField(choices=ItemType.choices, required=False)
    points = _points(required=False)
    state_group = serializers.ChoiceField(choices=StateGroup.choices, required=False)
    sprint = ScopedRelatedField(Sprint, "team__portfolio_id", required=False, allow_null=True)
    resolved_at = serializers.DateTimeField(required=False, allow_null=True)
    origin_sprint = ScopedRelatedField(Sprint, "team__portfolio_id", required=False, allow_null=True)
    found_in_item = ScopedRelatedField(WorkItem, "team__portfolio_id", required=False, allow_null=True)
    at = _at()
    reason = serializers.CharField(max_length=REASON_TEXT, required=False, allow_blank=True, default="")


class WorkItemChangeSerializer(serializers.ModelSerializer):
    changed = serializers.ListField(child=serializers.CharField(), read_only=True)
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    item_type = serializers.ChoiceField(choices=ItemType.choices, read_only=True)
    state_group = serializers.ChoiceField(choices=StateGroup.choices, read_only=True)

    class Meta:
        model = WorkItemChange
        fields = ("id", "item", "at", "sprint", "state_group", "points", "item_type", "changed", "actor")
        read_only_fields = fields


class RetroActionSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = RetroAction
        fields = ("id", "sprint", "text", "owner", "raised_at", "closed_at")
        read_only_fields = fields


class RetroActionCreateSerializer(serializers.Serializer):
    sprint = ScopedRelatedField(Sprint, "team__portfolio_id")
    text = serializers.CharField(max_length=REASON_TEXT)
    owner = PersonField(required=False, allow_null=True, default=None)
    at = _at()


class MoodVoteSerializer(serializers.ModelSerializer):
    """Votes are listed without the voter: mood is the team's, not a person's score."""

    class Meta:
        model = MoodVote
        fields = ("id", "sprint", "score", "voted_at")
        read_only_fields = fields


class MoodVoteInputSerializer(serializers.Serializer):
    sprint = ScopedRelatedField(Sprint, "team__portfolio_id")
    score = serializers.IntegerField(min_value=MOOD_SCORES.start, max_value=MOOD_SCORES.stop - 1)
    at = _at()
