"""The transactional outbox: one ``Event`` per thing that happened, written in the transaction of the change.

A rolled-back change leaves no event; a committed one is dispatched after commit (``dispatched_at`` set once every
consumer, the notifications first, has taken it), and a beat reconciler dispatches whatever a lost message left.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from collaboration.events.catalog import EventType


class Event(models.Model):
    type = models.CharField(max_length=40, choices=EventType.choices)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Who did it; empty for what the system noticed (due dates, alerts, evidence changes).",
    )
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="+", null=True)
    project = models.ForeignKey("lifecycle.Project", on_delete=models.PROTECT, related_name="+", null=True)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    payload = models.JSONField(default=dict, help_text="Fields documented per type in collaboration.events.catalog.")
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="Stable id sent to integrators (webhook-id)."
    )
    # Notices the system emits on its own (due, overdue, evidence changed) name what they are about here: the
    # unique constraint, not a check before the insert, makes each one happen once.
    once_key = models.CharField(max_length=120, null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-occurred_at"]),
            models.Index(fields=["occurred_at"], condition=Q(dispatched_at__isnull=True), name="event_undispatched"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["once_key"], condition=Q(once_key__isnull=False), name="event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.target_type}#{self.target_id}"
