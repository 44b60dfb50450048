"""Handing a committed event to its consumers (the notifications, then the webhooks), exactly once in effect.

The event row is locked, a dispatched one is left alone, and every consumer writes under a unique constraint
(a notification per event and person, a webhook delivery per event and subscription), so a redelivered task, the
reconciler racing the on-commit task, or a worker killed half-way and run again never tells anyone twice.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from collaboration.events.models import Event
from collaboration.notifications.services import notifications_create_for_event
from collaboration.webhooks.services import webhook_deliveries_create_for_event


def event_dispatch(event_id: int) -> bool:
    """Dispatch one event; False when it was already dispatched (or does not exist)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id, dispatched_at__isnull=True).first()
        if event is None:
            return False
        notifications_create_for_event(event)
        webhook_deliveries_create_for_event(event)  # each delivery is sent after commit
        event.dispatched_at = timezone.now()
        event.save(update_fields=["dispatched_at"])
    return True


def events_undispatched(older_than: datetime.timedelta, limit: int) -> list[int]:
    """Ids of committed events still undispatched after ``older_than`` (their task was lost), oldest first."""
    cutoff = timezone.now() - older_than
    pending = Event.objects.filter(dispatched_at__isnull=True, occurred_at__lt=cutoff).order_by("occurred_at", "pk")
    return list(pending.values_list("pk", flat=True)[:limit])
