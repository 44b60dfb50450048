"""Webhook reads: the subscriptions a user manages, a subscription's deliveries, the deliveries due."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.webhooks.choices import OPEN_STATUSES
from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription
from portfolio.access import manageable_portfolios


def webhook_subscriptions_managed_by(
    user: Any, subscriptions: QuerySet[WebhookSubscription]
) -> QuerySet[WebhookSubscription]:
    """Of ``subscriptions``, those of portfolios the user manages (superusers: all)."""
    return subscriptions.filter(portfolio_id__in=manageable_portfolios(user).values("pk"))


def webhook_deliveries_of(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return subscription.deliveries.select_related("event").order_by("-created_at", "-id")


def webhook_deliveries_due(limit: int) -> list[int]:
    """Open deliveries whose next attempt is due (a lost task, a broker that was down, a backoff that ended), of
    active subscriptions (a ping is sent to an inactive one too), oldest first."""
    due = WebhookDelivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=timezone.now()).filter(
        Q(subscription__is_active=True) | Q(event__type=EventType.WEBHOOK_PING)
    )
    return list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
