"""The emails: one per notification a person wants by email, and one daily digest per person.

Django's mail (SMTP settings from the environment, the console backend when EMAIL_HOST is unset). Each send holds
the notification rows locked and marks them ``emailed_at`` in the same transaction, so a retry or a second run
finds nothing left to send; a crash after the server accepted and before the commit may send one again, never lose one.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from collaboration.notifications.choices import Channel
from collaboration.notifications.links import event_link, event_summary
from collaboration.notifications.models import Notification
from collaboration.notifications.services import notification_email_claim
from portal.models import User

SUBJECT_PREFIX = "[Stagegate] "
PREFERENCES_PATH = "/account/notifications/"


def _absolute(path: str) -> str:
    return settings.STAGEGATE_SITE_URL.rstrip("/") + path


def _footer() -> str:
    return f"\n--\nChoose what you are told and how: {_absolute(PREFERENCES_PATH)}\n"


def notification_email_send(notification_id: int) -> bool:
    """Email one notification if still unsent; True when sent now."""
    with transaction.atomic():
        notification = notification_email_claim(notification_id)
        if notification is None or not notification.user.email:
            return False
        summary = event_summary(notification.event)
        body = f"{summary}\n\nOpen it: {_absolute(event_link(notification.event))}\n{_footer()}"
        EmailMessage(SUBJECT_PREFIX + summary[:150], body, to=[notification.user.email]).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def digest_send(user_id: int, until: datetime.datetime) -> int:
    """One email with every digest notification of the person created before ``until`` and not sent yet; returns
    how many it carried (0: nothing to send, no email)."""
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        pending = list(
            Notification.objects.select_for_update()
            .filter(user_id=user_id, channel=Channel.DIGEST, emailed_at__isnull=True, created_at__lt=until)
            .select_related("event")
            .order_by("created_at", "pk")
        )
        if not pending or not user.email:
            return 0
        lines = [f"- {event_summary(n.event)}\n  {_absolute(event_link(n.event))}" for n in pending]
        subject = f"{SUBJECT_PREFIX}Your daily digest: {len(pending)} notification{'s' if len(pending) > 1 else ''}"
        body = "What happened since your last digest:\n\n" + "\n".join(lines) + "\n" + _footer()
        EmailMessage(subject, body, to=[user.email]).send()
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(pending)
