"""Shapes of the notifications API: one's notifications, and one's preferences per event type."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from collaboration.events.catalog import EventType
from collaboration.notifications.choices import Channel
from collaboration.notifications.links import event_link, event_summary
from collaboration.notifications.models import Notification
from portal.formats import person_name
from portal.serializers import NamedEnumField


class NotificationSerializer(serializers.ModelSerializer):
    event_id = serializers.UUIDField(
        source="event.public_id", read_only=True, help_text="The event's stable id (the webhook-id of its delivery)."
    )
    event_type = NamedEnumField(enum_name="EventType", choices=EventType.choices, source="event.type", read_only=True)
    summary = serializers.SerializerMethodField(help_text="The line a person reads.")
    link = serializers.SerializerMethodField(help_text="Path of the page where it is seen or done.")
    actor = serializers.SerializerMethodField(help_text="Full name of who did it; empty for the system's notices.")
    project_code = serializers.CharField(source="event.payload.project_code", read_only=True, default="")
    occurred_at = serializers.DateTimeField(source="event.occurred_at", read_only=True)
    payload = serializers.JSONField(
        source="event.payload", read_only=True, help_text="The event's fields (README, Notifications)."
    )
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "event_id",
            "event_type",
            "summary",
            "link",
            "actor",
            "project_code",
            "occurred_at",
            "created_at",
            "read_at",
            "unread",
            "payload",
        ]
        read_only_fields = fields

    def get_summary(self, notification: Notification) -> str:
        return event_summary(notification.event)

    def get_link(self, notification: Notification) -> str:
        return event_link(notification.event)

    def get_actor(self, notification: Notification) -> str:
        return person_name(notification.event.actor)

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread and are read now.")


class PreferenceSerializer(serializers.Serializer):
    event_type = NamedEnumField(enum_name="EventType", choices=EventType.choices)
    channel = NamedEnumField(
        enum_name="NotificationChannel",
        choices=Channel.choices,
        help_text="in_app: listed here; email: also emailed at once; digest: also in the daily email; off: nothing.",
    )
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]  # a field named like Field.label
    description = serializers.CharField(read_only=True)


class PreferencesInputSerializer(serializers.Serializer):
    preferences = PreferenceSerializer(many=True, help_text="The types to change; types left out keep their channel.")

    def validate_preferences(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        types = [row["event_type"] for row in rows]
        if len(types) != len(set(types)):
            raise serializers.ValidationError("Each event type at most once.")
        return rows
