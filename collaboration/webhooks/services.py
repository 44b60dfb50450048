"""Webhook writes: subscriptions (create, update, delete, ping) by a portfolio's managers, deliveries created at
event dispatch, and each delivery attempt: claim, send, record.

An attempt is written in two short transactions around the HTTP call, never holding a row lock while waiting on an
endpoint. The claim counts the attempt and pushes ``next_attempt_at`` one lease ahead, so a concurrent task skips
the delivery and a worker killed mid-send leaves it due again once the lease ends (the reconciler sends it; the
receiver deduplicates by webhook-id). A recorded success is final: nothing sends that delivery again on its own.
"""

from __future__ import annotations

import base64
import datetime
import random
import secrets
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from collaboration.events.catalog import WEBHOOK_SUBSCRIBABLE, EventType
from collaboration.events.models import Event
from collaboration.events.services import event_record
from collaboration.webhooks.choices import OPEN_STATUSES, DeliveryStatus
from collaboration.webhooks.client import AttemptResult, webhook_body, webhook_post
from collaboration.webhooks.models import URL_MAX, WebhookDelivery, WebhookSubscription
from collaboration.webhooks.targets import url_refusal
from lifecycle.services.audit import audit_write, changed_fields
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.queueing import send_or_leave_to_beat
from portfolio.access import can_manage_portfolio
from portfolio.models import Portfolio

SECRET_BYTES = 24  # whsec_ + base64 of 24 random bytes (192 bits), as the Standard Webhooks libraries generate
DESCRIPTION_MAX = 200
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 60 * 60
# A new delivery is sent by its on-commit task; the reconciler waits this long before sending it itself.
FIRST_ATTEMPT_GRACE = datetime.timedelta(minutes=1)
EDITABLE = ("url", "event_types", "description", "is_active")


def attempt_lease() -> datetime.timedelta:
    """How long a claimed attempt is left to finish before the delivery is due again (connect and read timeouts,
    DNS, the database writes around them)."""
    return datetime.timedelta(seconds=2 * settings.STAGEGATE_WEBHOOK_TIMEOUT_S + 60)


def retry_delay(attempts: int, rng: random.Random | None = None) -> datetime.timedelta:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^(attempts-1))] seconds."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))
    return datetime.timedelta(seconds=(rng or random).uniform(0, ceiling))


def secret_new() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def subscription_data(subscription: WebhookSubscription) -> dict[str, Any]:
    """What the audit trail keeps of a subscription: never its secret."""
    return {
        "portfolio": subscription.portfolio_id,
        "url": subscription.url,
        "event_types": list(subscription.event_types),
        "description": subscription.description,
        "is_active": subscription.is_active,
    }


def _check_allowed(actor: Any, portfolio_id: int) -> None:
    if not can_manage_portfolio(actor, portfolio_id):
        raise NotAllowed("Only the portfolio's program and project managers manage its webhooks.")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The given fields checked (each error names its field); url is checked against the SSRF rule too."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    if "url" in values:
        url = str(values["url"] or "").strip()
        try:
            if len(url) > URL_MAX:
                raise ValidationError(f"At most {URL_MAX} characters.")
            URLValidator(schemes=["http", "https"])(url)
            refusal = url_refusal(url)
        except ValidationError as error:
            refusal = error.messages[0] if error.messages else "Not a valid URL."
            if url and not url.lower().startswith(("http://", "https://")):
                refusal = "Only http and https URLs."
        if refusal:
            errors["url"] = refusal
        clean["url"] = url
    if "event_types" in values:
        types = values["event_types"]
        if not isinstance(types, list | tuple) or not types:
            errors["event_types"] = "At least one event type."
        elif any(value not in WEBHOOK_SUBSCRIBABLE for value in types):
            errors["event_types"] = f"Each one of {', '.join(WEBHOOK_SUBSCRIBABLE)}."
        else:
            clean["event_types"] = sorted(set(types))
    if "description" in values:
        description = str(values["description"] or "").strip()
        if len(description) > DESCRIPTION_MAX:
            errors["description"] = f"At most {DESCRIPTION_MAX} characters."
        clean["description"] = description
    if "is_active" in values:
        clean["is_active"] = bool(values["is_active"])
    if errors:
        raise ValidationFailed("The webhook is invalid.", details=errors)
    return clean


# -- subscriptions ------------------------------------------------------------------------------------------------


@transaction.atomic
def webhook_subscription_create(
    *, actor: Any, portfolio: Portfolio, url: str, event_types: list[str], description: str = ""
) -> WebhookSubscription:
    """A new subscription with a fresh secret (returned on the object, shown once by the API)."""
    _check_allowed(actor, portfolio.pk)
    clean = _clean({"url": url, "event_types": event_types, "description": description})
    subscription = WebhookSubscription.objects.create(
        portfolio=portfolio, secret=secret_new(), created_by=actor, created_at=timezone.now(), **clean
    )
    audit_write(
        actor=actor, action="webhook.create", target=subscription, project=None, after=subscription_data(subscription)
    )
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, actor: Any, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change url, event types, description or is_active; switching it back on clears the failure record."""
    _check_allowed(actor, subscription.portfolio_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed("Unknown webhook fields.", details={name: "Unknown." for name in sorted(unknown)})
    clean = _clean(changes)
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = subscription_data(subscription)
    reenabled = clean.get("is_active") is True and not subscription.is_active
    for name, value in clean.items():
        setattr(subscription, name, value)
    if reenabled:
        subscription.consecutive_failures = 0
        subscription.disabled_at = None
        subscription.disabled_reason = ""
    subscription.save()
    old, new = changed_fields(before, subscription_data(subscription))
    if old or new:
        audit_write(actor=actor, action="webhook.update", target=subscription, project=None, before=old, after=new)
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, actor: Any, subscription: WebhookSubscription) -> None:
    """Delete the subscription and its delivery log (the events stay)."""
    _check_allowed(actor, subscription.portfolio_id)
    audit_write(
        actor=actor, action="webhook.delete", target=subscription, project=None, before=subscription_data(subscription)
    )
    subscription.delete()


@transaction.atomic
def webhook_subscription_ping(*, actor: Any, subscription: WebhookSubscription) -> WebhookDelivery:
    """A ``webhook.ping`` event delivered to this subscription only (even when disabled: to test it first)."""
    _check_allowed(actor, subscription.portfolio_id)
    event = event_record(
        type=EventType.WEBHOOK_PING,
        actor=actor,
        portfolio=subscription.portfolio,
        project=None,
        target=subscription,
        payload={"subscription_id": subscription.pk, "message": "Test delivery from Stagegate."},
    )
    assert event is not None
    delivery = _delivery_create(subscription, event)
    audit_write(
        actor=actor,
        action="webhook.ping",
        target=subscription,
        project=None,
        after={"delivery": delivery.pk, "event_id": str(event.public_id)},
    )
    return delivery


# -- deliveries ---------------------------------------------------------------------------------------------------


def _delivery_create(subscription: WebhookSubscription, event: Event) -> WebhookDelivery:
    now = timezone.now()
    delivery, created = WebhookDelivery.objects.get_or_create(
        subscription=subscription,
        event=event,
        defaults={"created_at": now, "next_attempt_at": now + FIRST_ATTEMPT_GRACE},
    )
    if created:
        transaction.on_commit(partial(webhook_delivery_enqueue, delivery.pk))
    return delivery


def webhook_deliveries_create_for_event(event: Event) -> list[WebhookDelivery]:
    """At dispatch, with the event locked: one pending delivery per active subscription of the event's portfolio
    that names its type, each sent after commit. The unique (subscription, event) makes a re-dispatch create none."""
    if event.type == EventType.WEBHOOK_PING or event.portfolio_id is None:
        return []
    subscriptions = WebhookSubscription.objects.filter(portfolio_id=event.portfolio_id, is_active=True).order_by("pk")
    # A handful per portfolio: the type is matched here, the same on SQLite and PostgreSQL.
    return [_delivery_create(subscription, event) for subscription in subscriptions if subscription.wants(event.type)]


def webhook_delivery_enqueue(delivery_id: int) -> None:
    from collaboration.webhooks.tasks import webhook_deliver_task

    send_or_leave_to_beat(partial(webhook_deliver_task.delay, delivery_id), f"webhook delivery {delivery_id}")


@transaction.atomic
def webhook_delivery_redeliver(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """One more attempt of the same delivery, same webhook-id, whatever its status (the receiver deduplicates)."""
    _check_allowed(actor, delivery.subscription.portfolio_id)
    if not delivery.subscription.is_active:  # it would wait, unsent, until switched on: say so instead
        raise TransitionNotAllowed("The webhook is switched off: switch it back on first.")
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    audit_write(
        actor=actor,
        action="webhook.redeliver",
        target=delivery.subscription,
        project=None,
        before=before,
        after={"delivery": delivery.pk, "status": delivery.status},
    )
    transaction.on_commit(partial(webhook_delivery_enqueue, delivery.pk))
    return delivery


def _claim(delivery_id: int, now: datetime.datetime) -> WebhookDelivery | None:
    """The delivery, its attempt counted and leased, if it is due and no one else holds it."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription", "event")
            .filter(pk=delivery_id, status__in=OPEN_STATUSES)
            .first()
        )
        if delivery is None:  # succeeded, given up, deleted, or another worker holds the lock right now
            return None
        first = delivery.attempts == 0
        due = delivery.next_attempt_at is None or delivery.next_attempt_at <= now
        if not (first or due):  # leased by an attempt in flight, or waiting for its backoff
            return None
        if not delivery.subscription.is_active and delivery.event.type != EventType.WEBHOOK_PING:
            return None  # kept pending: switching the subscription back on sends it
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + attempt_lease()
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return delivery


def webhook_delivery_attempt(delivery_id: int) -> str | None:
    """Attempt one delivery if it is due: the status it ends in, or None when there was nothing to do."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    event = delivery.event
    msg_id = str(event.public_id)
    body = webhook_body(
        event_type=event.type, occurred_at=event.occurred_at, data={**event.payload, "event_id": msg_id}
    )
    result = webhook_post(
        url=delivery.subscription.url, secret=delivery.subscription.secret, msg_id=msg_id, sent_at=now, body=body
    )
    return _record(delivery.pk, result)


@transaction.atomic
def _record(delivery_id: int, result: AttemptResult) -> str | None:
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.SUCCEEDED:
        return None  # deleted meanwhile, or a concurrent redelivery already succeeded: keep that
    now = timezone.now()
    delivery.response_status = result.status
    delivery.response_ms = result.ms
    delivery.response_excerpt = result.excerpt
    delivery.error = result.error[:300]
    subscription = WebhookSubscription.objects.select_for_update().get(pk=delivery.subscription_id)
    if result.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
        if subscription.consecutive_failures:
            subscription.consecutive_failures = 0
            subscription.save(update_fields=["consecutive_failures"])
    elif delivery.attempts >= settings.STAGEGATE_WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.GIVEN_UP
        delivery.next_attempt_at = None
        subscription.consecutive_failures += 1
        subscription.save(update_fields=["consecutive_failures"])
        if subscription.is_active and subscription.consecutive_failures >= settings.STAGEGATE_WEBHOOK_DISABLE_AFTER:
            _subscription_disable(subscription, now)
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save()
    return delivery.status


def _subscription_disable(subscription: WebhookSubscription, now: datetime.datetime) -> None:
    """Switch off an endpoint that keeps failing, audit it, and tell its creator (a ``webhook.disabled`` event)."""
    before = subscription_data(subscription)
    reason = f"{subscription.consecutive_failures} deliveries in a row were given up."
    subscription.is_active = False
    subscription.disabled_at = now
    subscription.disabled_reason = reason
    subscription.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    audit_write(
        actor=None,
        action="webhook.disable",
        target=subscription,
        project=None,
        before={"is_active": before["is_active"]},
        after={"is_active": False, "reason": reason},
        reason=reason,
    )
    event_record(
        type=EventType.WEBHOOK_DISABLED,
        actor=None,
        portfolio=subscription.portfolio,
        project=None,
        target=subscription,
        payload={
            "subscription_id": subscription.pk,
            "url": subscription.url,
            "reason": reason,
            "consecutive_failures": subscription.consecutive_failures,
            "created_by_id": subscription.created_by_id,
        },
    )
