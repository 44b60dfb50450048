"""Notifications: created once per (event, recipient) at dispatch, read and marked read by their person, emailed
by a task or in the daily digest; and each person's preferences per event type."""

from __future__ import annotations

import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from collaboration.events.catalog import CATALOG
from collaboration.events.models import Event
from collaboration.notifications.choices import DEFAULT_CHANNEL, Channel
from collaboration.notifications.models import Notification, NotificationPreference
from collaboration.notifications.recipients import event_recipients
from portal.exceptions import ValidationFailed
from portal.queueing import send_or_leave_to_beat

# -- preferences --------------------------------------------------------------------------------------------------


def channels_of(user_ids: list[int], event_type: str) -> dict[int, str]:
    """Each user's channel for one event type (the default where they chose nothing)."""
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, event_type=event_type).values_list(
            "user_id", "channel"
        )
    )
    return {user_id: chosen.get(user_id, DEFAULT_CHANNEL) for user_id in user_ids}


@transaction.atomic
def notification_preferences_set(*, user: Any, channels: dict[str, str]) -> dict[str, str]:
    """Set the user's channel of each given event type (others unchanged); every type and channel must exist."""
    errors = {
        event_type: ("Not an event type." if event_type not in CATALOG else "Not a channel.")
        for event_type, channel in channels.items()
        if event_type not in CATALOG or channel not in Channel.values
    }
    if errors:
        raise ValidationFailed("Some preferences are invalid.", details=errors)
    for event_type, channel in channels.items():
        NotificationPreference.objects.update_or_create(user=user, event_type=event_type, defaults={"channel": channel})
    return notification_preferences_of(user)


def notification_preferences_of(user: Any) -> dict[str, str]:
    """event type -> channel, for every type of the catalog."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("event_type", "channel"))
    return {event_type: chosen.get(event_type, DEFAULT_CHANNEL) for event_type in CATALOG}


# -- creating (at dispatch) ---------------------------------------------------------------------------------------


def notifications_create_for_event(event: Event) -> list[Notification]:
    """One notification per recipient who has not turned this type off; those created now that go by email are
    sent after commit. Call with the event locked: a row already there (a redelivery) is left as it is."""
    recipients = event_recipients(event)
    channels = channels_of([user.pk for user in recipients], event.type)
    created: list[Notification] = []
    now = timezone.now()
    for user in recipients:
        channel = channels[user.pk]
        if channel == Channel.OFF:
            continue
        notification, was_created = Notification.objects.get_or_create(
            event=event, user=user, defaults={"channel": channel, "created_at": now}
        )
        if was_created:
            created.append(notification)
            if channel == Channel.EMAIL:
                transaction.on_commit(partial(_enqueue_email, notification.pk))
    return created


def _enqueue_email(notification_id: int) -> None:
    from collaboration.notifications.tasks import notification_email_task

    send_or_leave_to_beat(
        partial(notification_email_task.delay, notification_id), f"email of notification {notification_id}"
    )


# -- reading ------------------------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (already read: unchanged)."""
    if notification.user_id != user.pk:
        raise ValueError("a notification is marked read by its own person only")
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    notification.refresh_from_db(fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: Any, visible: Any) -> int:
    """Mark every unread notification of ``visible`` (the user's own, selectors.notifications_of) read."""
    return visible.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


# -- email ----------------------------------------------------------------------------------------------------------


def notification_email_claim(notification_id: int) -> Notification | None:
    """The notification to email, locked, if it is still to be sent (the caller sends, then sets emailed_at)."""
    return (
        Notification.objects.select_for_update()
        .select_related("event", "user")
        .filter(pk=notification_id, emailed_at__isnull=True, channel=Channel.EMAIL)
        .first()
    )


def digest_due_users(until: datetime.datetime) -> list[int]:
    """Users with digest notifications created before ``until`` that no digest has carried yet."""
    pending = Notification.objects.filter(channel=Channel.DIGEST, emailed_at__isnull=True, created_at__lt=until)
    return sorted(set(pending.values_list("user_id", flat=True)))
