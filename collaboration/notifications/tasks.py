"""Thin tasks of the notifications: one email, the emails a lost message left, and the daily digest."""

from __future__ import annotations

import datetime
import smtplib
from typing import Any

from celery import shared_task
from django.utils import timezone

from collaboration.notifications.emails import digest_send, notification_email_send
from collaboration.notifications.selectors import emails_unsent
from collaboration.notifications.services import digest_due_users

# The mail server refusing for now or unreachable is transient; a bad address is not and is not retried.
TRANSIENT_MAIL_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)
_MAIL_OPTIONS: dict[str, Any] = {
    "soft_time_limit": 60,
    "time_limit": 90,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_MAIL_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 5 * 60,  # countdowns stay far below the broker's visibility timeout
    "retry_jitter": True,
    "max_retries": 6,
}
UNSENT_GRACE = datetime.timedelta(minutes=5)
UNSENT_BATCH = 200


@shared_task(name="collaboration.notification_email", **_MAIL_OPTIONS)
def notification_email_task(notification_id: int) -> bool:
    return notification_email_send(notification_id)


@shared_task(name="collaboration.emails_send_unsent", soft_time_limit=4 * 60, time_limit=5 * 60, ignore_result=True)
def emails_send_unsent() -> int:
    """Emails whose task was lost or gave up: one task each again."""
    ids = emails_unsent(UNSENT_GRACE, UNSENT_BATCH)
    for notification_id in ids:
        notification_email_task.delay(notification_id)
    return len(ids)


@shared_task(name="collaboration.digest_send", **_MAIL_OPTIONS)
def digest_send_task(user_id: int, until: str) -> int:
    return digest_send(user_id, datetime.datetime.fromisoformat(until))


@shared_task(name="collaboration.digests_send", soft_time_limit=4 * 60, time_limit=5 * 60, ignore_result=True)
def digests_send() -> int:
    """The daily digest: one task per person with digest notifications not sent yet (each sends one email)."""
    until = timezone.now()
    users = digest_due_users(until)
    for user_id in users:
        digest_send_task.delay(user_id, until.isoformat())
    return len(users)
