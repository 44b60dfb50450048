"""What each person is told: one ``Notification`` per (event, recipient), and their preferences per event type."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from collaboration.events.catalog import EventType
from collaboration.notifications.choices import DEFAULT_CHANNEL, Channel


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.ForeignKey("collaboration.Event", on_delete=models.PROTECT, related_name="notifications")
    # The preference when it was created: whether it goes by email now, in the digest, or stays in the portal.
    channel = models.CharField(max_length=8, choices=Channel.choices, default=DEFAULT_CHANNEL)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When its email (or digest) went out.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            # A redelivered or re-run dispatch never tells anyone twice.
            models.UniqueConstraint(fields=["event", "user"], name="notification_once_per_event_and_user"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} for {self.user}"


class NotificationPreference(models.Model):
    """A person's choice for one event type; without a row, ``DEFAULT_CHANNEL``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        ordering = ["user_id", "event_type"]
        constraints = [models.UniqueConstraint(fields=["user", "event_type"], name="one_preference_per_event_type")]

    def __str__(self) -> str:
        return f"{self.user} {self.event_type}: {self.channel}"
