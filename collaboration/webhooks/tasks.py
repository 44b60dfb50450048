"""Thin webhook tasks: attempt one delivery; send the deliveries that are due (retries and lost messages)."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import OperationalError

from collaboration.webhooks.selectors import webhook_deliveries_due
from collaboration.webhooks.services import webhook_delivery_attempt
from portal.queueing import send_or_leave_to_beat

DUE_BATCH = 500


# Safe to run twice: the claim skips a delivery in flight or done. A worker lost mid-attempt leaves the delivery
# leased, not lost: the reconciler sends it when the lease ends, so no redelivery of the message is needed.
@shared_task(
    name="collaboration.webhook_deliver",
    acks_late=True,
    reject_on_worker_lost=False,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
    autoretry_for=(OperationalError,),  # the database restarting, a lock timeout: transient
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
)
def webhook_deliver_task(delivery_id: int) -> str | None:
    return webhook_delivery_attempt(delivery_id)


@shared_task(name="collaboration.webhook_deliveries_send_due", soft_time_limit=50, time_limit=55, ignore_result=True)
def webhook_deliveries_send_due() -> int:
    """Retries whose backoff ended and deliveries whose task never ran: one task each."""
    due = webhook_deliveries_due(DUE_BATCH)
    for delivery_id in due:
        send_or_leave_to_beat(partial(webhook_deliver_task.delay, delivery_id), f"webhook delivery {delivery_id}")
    return len(due)
