"""Reading notifications: a person's own, of portfolios they may still see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from collaboration.events.catalog import CATALOG, EventType
from collaboration.notifications.choices import Channel
from collaboration.notifications.links import event_link, event_summary
from collaboration.notifications.models import Notification
from portfolio.access import AnyUser, portfolios_visible_to

UNREAD = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())


def notifications_of(user: AnyUser) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first; none of a portfolio they have left."""
    if not user.is_authenticated:
        return Notification.objects.none()
    visible = Q(event__portfolio__isnull=True) | Q(event__portfolio__in=portfolios_visible_to(user).values("pk"))
    return (
        Notification.objects.filter(visible, user=user)
        .select_related("event", "event__actor")
        .order_by(UNREAD.desc(), "-created_at", "-pk")
    )


def unread_count(user: AnyUser) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class NotificationRow:
    """What a page shows of one notification."""

    id: int
    summary: str
    link: str
    event_type: str
    event_label: str
    actor: Any
    created_at: datetime.datetime
    unread: bool


def notification_row(notification: Notification) -> NotificationRow:
    event = notification.event
    return NotificationRow(
        id=notification.pk,
        summary=event_summary(event),
        link=event_link(event),
        event_type=event.type,
        event_label=str(event.get_type_display()),
        actor=event.actor,
        created_at=notification.created_at,
        unread=notification.read_at is None,
    )


def emails_unsent(older_than: datetime.timedelta, limit: int) -> list[int]:
    """Notifications meant for email and still unsent after ``older_than``."""
    cutoff = timezone.now() - older_than
    unsent = Notification.objects.filter(channel=Channel.EMAIL, emailed_at__isnull=True, created_at__lt=cutoff)
    return list(unsent.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])


def preference_rows(preferences: dict[str, str]) -> list[dict[str, str]]:
    """One row per event type of the catalog: its type, label, description and the chosen channel."""
    return [
        {
            "event_type": event_type,
            "label": str(label),
            "description": CATALOG[event_type].description,
            "channel": preferences[event_type],
        }
        for event_type, label in EventType.choices
    ]
