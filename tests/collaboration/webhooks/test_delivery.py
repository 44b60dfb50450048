"""Deliveries against a real receiver on loopback: signed per Standard Webhooks, retried with backoff (time moved,
never slept), given up, disabled; no redirects; timeouts; the SSRF rule at send time; idempotent attempts."""

import datetime
import json
import random

import pytest
from django.db import transaction
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.events.dispatch import event_dispatch
from collaboration.events.models import Event
from collaboration.notifications.models import Notification
from collaboration.webhooks import services
from collaboration.webhooks.choices import DeliveryStatus
from collaboration.webhooks.client import webhook_body, webhook_post
from collaboration.webhooks.models import WebhookDelivery
from collaboration.webhooks.selectors import webhook_deliveries_due
from collaboration.webhooks.services import retry_delay, webhook_delivery_attempt
from collaboration.webhooks.tasks import webhook_deliveries_send_due
from lifecycle.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_a_dispatched_event_is_delivered_signed_with_the_event_id(subscribe, emit, receiver, project):
    subscription = subscribe()
    [delivery] = emit()

    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.SUCCEEDED

    [request] = receiver.requests
    event = delivery.event
    assert request["verified"] is True
    assert request["headers"]["webhook-id"] == str(event.public_id)
    assert request["headers"]["content-type"] == "application/json"
    assert request["headers"]["user-agent"] == "Stagegate-Webhooks/1"
    assert int(request["headers"]["webhook-timestamp"]) == pytest.approx(timezone.now().timestamp(), abs=5)
    assert request["message"] == {
        "type": "project.state_changed",
        "timestamp": event.occurred_at.isoformat(),
        "data": {
            "project_id": project.pk,
            "project_code": "AML-001",
            "from_state": "active",
            "to_state": "on hold",
            "phase": "charter",
            "event_id": str(event.public_id),
        },
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.response_excerpt == '{"ok": true}'
    assert delivery.next_attempt_at is None and delivery.response_ms is not None
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) == len("whsec_") + 32


def test_only_active_subscriptions_of_the_type_get_a_delivery_and_a_redispatch_creates_none(subscribe, emit, receiver):
    wanted = subscribe([EventType.PROJECT_STATE_CHANGED, EventType.GATE_REVIEW_DECIDED])
    subscribe([EventType.GATE_REVIEW_DECIDED])
    off = subscribe([EventType.PROJECT_STATE_CHANGED])
    off.is_active = False
    off.save()

    [delivery] = emit()

    assert delivery.subscription == wanted and delivery.status == "pending" and delivery.attempts == 0
    Event.objects.filter(pk=delivery.event_id).update(dispatched_at=None)  # as if the dispatch ran again
    assert event_dispatch(delivery.event_id)
    assert WebhookDelivery.objects.count() == 1


def test_a_rolled_back_change_creates_no_delivery(subscribe, emit):
    subscribe()
    with pytest.raises(RuntimeError), transaction.atomic():
        emit()
        raise RuntimeError("the change fails after its event was written")

    assert WebhookDelivery.objects.count() == 0 and Event.objects.filter(type="project.state_changed").count() == 0


def test_after_commit_one_task_per_delivery_sends_it(
    subscribe, project, people, receiver, django_capture_on_commit_callbacks
):
    from collaboration.events.services import event_record

    subscribe()
    with django_capture_on_commit_callbacks(execute=True):  # tasks run in-process (no broker in tests)
        event_record(
            type=EventType.PROJECT_STATE_CHANGED,
            actor=people["pm"],
            portfolio=None,
            project=project,
            target=project,
            payload={"from_state": "active", "to_state": "closed", "phase": "charter"},
        )

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.status == "succeeded" and len(receiver.verified()) == 1


def test_fails_twice_then_succeeds_on_the_third_attempt_with_backoff(subscribe, emit, receiver, time_machine):
    subscribe()
    receiver.plan = ["fail", "fail"]
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    [delivery] = emit()

    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.response_status, delivery.error) == (1, 500, "HTTP 500")
    assert delivery.response_excerpt == "receiver says no"
    assert start <= delivery.next_attempt_at <= start + datetime.timedelta(seconds=30)
    if delivery.next_attempt_at > start:  # full jitter may draw 0 s
        assert webhook_delivery_attempt(delivery.pk) is None  # not due yet: nothing sent
        assert len(receiver.requests) == 1

    time_machine.move_to(start + datetime.timedelta(seconds=31), tick=False)
    assert webhook_deliveries_due(10) == [delivery.pk]
    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    second_try_at = start + datetime.timedelta(seconds=31)
    assert second_try_at <= delivery.next_attempt_at <= second_try_at + datetime.timedelta(seconds=60)

    time_machine.move_to(second_try_at + datetime.timedelta(seconds=61), tick=False)
    assert webhook_deliveries_send_due() == 1  # the beat reconciler sends it (in-process here)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 3, 200)
    assert [request["answer"] for request in receiver.requests] == ["fail", "fail", "ok"]
    assert {request["headers"]["webhook-id"] for request in receiver.requests} == {str(delivery.event.public_id)}
    assert all(request["verified"] for request in receiver.requests)
    assert delivery.subscription.consecutive_failures == 0


def test_backoff_doubles_from_30_seconds_to_one_hour_with_full_jitter():
    assert [retry_delay(n, random.Random(0)) for n in (1, 2, 3)] == [
        datetime.timedelta(seconds=random.Random(0).uniform(0, ceiling)) for ceiling in (30, 60, 120)
    ]
    for attempts in range(1, 30):
        ceiling = min(3600, 30 * 2 ** (attempts - 1))
        assert datetime.timedelta(0) <= retry_delay(attempts) <= datetime.timedelta(seconds=ceiling)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(subscribe, emit, receiver):
    subscribe()
    receiver.plan = ["redirect"]
    [delivery] = emit()

    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.FAILED

    delivery.refresh_from_db()
    assert (delivery.response_status, delivery.error) == (302, "HTTP 302 (redirects are not followed)")
    assert len(receiver.requests) == 1  # nothing went to /hooks/elsewhere


def test_no_answer_within_the_timeout_is_a_failure(subscribe, emit, receiver, settings):
    settings.STAGEGATE_WEBHOOK_TIMEOUT_S = 1
    subscribe()
    receiver.plan = ["slow"]
    [delivery] = emit()

    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.FAILED

    delivery.refresh_from_db()
    assert (delivery.response_status, delivery.error) == (None, "No answer within 1 s.")


def test_a_target_that_became_private_is_refused_at_send_time(subscribe, emit, receiver, settings):
    subscribe()  # saved while loopback was allowed (as if the name resolved elsewhere then)
    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = False
    [delivery] = emit()

    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.FAILED

    delivery.refresh_from_db()
    assert delivery.error == "Refused target: The host 127.0.0.1 resolves to a non-public address (127.0.0.1)."
    assert receiver.requests == [] and delivery.response_status is None


def test_given_up_after_max_attempts_and_disabled_after_n_deliveries_telling_its_creator(
    subscribe, emit, receiver, settings, people, time_machine
):
    settings.STAGEGATE_WEBHOOK_MAX_ATTEMPTS, settings.STAGEGATE_WEBHOOK_DISABLE_AFTER = 2, 2
    subscription = subscribe()
    receiver.default = "fail"
    now = timezone.now()
    for _ in range(2):
        [delivery] = emit()
        assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.FAILED
        now += datetime.timedelta(hours=1)
        time_machine.move_to(now, tick=False)
        assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.GIVEN_UP
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.next_attempt_at) == (2, None)

    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures) == (False, 2)
    assert subscription.disabled_at == now
    assert subscription.disabled_reason == "2 deliveries in a row were given up."
    [record] = AuditRecord.objects.filter(action="webhook.disable")
    assert (record.actor, record.target_id, record.after) == (
        None,
        str(subscription.pk),
        {"is_active": False, "reason": "2 deliveries in a row were given up."},
    )
    [event] = Event.objects.filter(type=EventType.WEBHOOK_DISABLED)
    assert event.payload["created_by_id"] == people["pm"].pk and event.portfolio_id == subscription.portfolio_id
    event_dispatch(event.pk)
    [notification] = Notification.objects.filter(event=event)
    assert notification.user == people["pm"]

    # Nothing more is sent to a disabled endpoint, and the reconciler does not pick its deliveries.
    assert emit() == []
    assert webhook_deliveries_due(10) == []
    sent = len(receiver.requests)
    receiver.default = "ok"
    # Switching it back on clears the failures.
    services.webhook_subscription_update(actor=people["pm"], subscription=subscription, is_active=True)
    subscription.refresh_from_db()
    assert (subscription.is_active, subscription.consecutive_failures, subscription.disabled_at) == (True, 0, None)
    assert len(receiver.requests) == sent


def test_a_success_resets_the_failure_count(subscribe, emit, receiver, settings):
    settings.STAGEGATE_WEBHOOK_MAX_ATTEMPTS = 1
    subscription = subscribe()
    receiver.plan = ["fail"]
    [first] = emit()
    assert webhook_delivery_attempt(first.pk) == DeliveryStatus.GIVEN_UP
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1

    [second] = emit()
    assert webhook_delivery_attempt(second.pk) == DeliveryStatus.SUCCEEDED
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_redelivery_keeps_the_webhook_id_and_the_receiver_deduplicates(subscribe, emit, receiver, people):
    subscribe()
    [delivery] = emit()
    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.SUCCEEDED

    services.webhook_delivery_redeliver(actor=people["pm"], delivery=delivery)
    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.SUCCEEDED

    delivery.refresh_from_db()
    assert delivery.attempts == 2
    ids = [request["headers"]["webhook-id"] for request in receiver.requests]
    assert ids == [str(delivery.event.public_id)] * 2
    assert receiver.processed == [str(delivery.event.public_id)] and receiver.duplicates == ids[:1]
    assert AuditRecord.objects.filter(action="webhook.redeliver", actor=people["pm"]).count() == 1


def test_a_succeeded_delivery_is_never_sent_again_by_the_task_or_the_reconciler(
    subscribe, emit, receiver, time_machine
):
    subscribe()
    [delivery] = emit()
    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.SUCCEEDED

    time_machine.move_to(timezone.now() + datetime.timedelta(days=1), tick=False)
    assert webhook_delivery_attempt(delivery.pk) is None
    assert webhook_deliveries_send_due() == 0
    assert len(receiver.requests) == 1


def test_a_worker_killed_between_send_and_record_loses_nothing_and_processes_once(
    subscribe, emit, receiver, time_machine
):
    """The claim is committed, the POST is made and answered 200, then the worker dies before recording it."""
    subscribe()
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    [delivery] = emit()
    claimed = services._claim(delivery.pk, now)
    event = claimed.event
    body = webhook_body(
        event_type=event.type, occurred_at=event.occurred_at, data={**event.payload, "event_id": str(event.public_id)}
    )
    result = webhook_post(
        url=claimed.subscription.url,
        secret=claimed.subscription.secret,
        msg_id=str(event.public_id),
        sent_at=now,
        body=body,
    )
    assert result.succeeded  # ... and the worker is killed here: nothing recorded

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    # A redelivered message or a second task while the attempt is leased: nothing is sent.
    assert webhook_delivery_attempt(delivery.pk) is None
    assert webhook_deliveries_due(10) == []
    # Once the lease ends, the reconciler sends it again: same webhook-id, the receiver processes it once.
    time_machine.move_to(now + services.attempt_lease() + datetime.timedelta(seconds=1), tick=False)
    assert webhook_deliveries_send_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert receiver.processed == [str(event.public_id)] and receiver.duplicates == [str(event.public_id)]
    assert webhook_deliveries_send_due() == 0 and len(receiver.requests) == 2


def test_a_lost_task_is_sent_by_the_reconciler_after_the_grace(subscribe, emit, receiver, time_machine):
    subscribe()
    now = timezone.now()
    time_machine.move_to(now, tick=False)
    [delivery] = emit()  # its on-commit task never runs (the test transaction never commits)

    assert webhook_deliveries_due(10) == []  # the on-commit task has its minute first
    time_machine.move_to(now + services.FIRST_ATTEMPT_GRACE, tick=False)
    assert webhook_deliveries_send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and receiver.processed == [str(delivery.event.public_id)]


def test_a_ping_is_an_event_delivered_to_its_subscription_only_and_notifies_nobody(subscribe, receiver, people):
    subscription = subscribe([EventType.PROJECT_STATE_CHANGED])
    other = subscribe([EventType.PROJECT_STATE_CHANGED])
    receiver.secret = subscription.secret  # verifies the ping's signature

    delivery = services.webhook_subscription_ping(actor=people["pm"], subscription=subscription)
    assert event_dispatch(delivery.event_id)
    assert webhook_delivery_attempt(delivery.pk) == DeliveryStatus.SUCCEEDED

    assert list(WebhookDelivery.objects.values_list("subscription", flat=True)) == [subscription.pk]
    assert other.pk != subscription.pk
    [request] = receiver.requests
    assert request["verified"] and request["message"]["type"] == "webhook.ping"
    assert request["message"]["data"]["subscription_id"] == subscription.pk
    assert Notification.objects.count() == 0
    assert json.loads(request["body"])["data"]["event_id"] == request["headers"]["webhook-id"]


def test_the_demo_seeds_one_webhook_to_the_local_receiver_once(people, portfolio, allow_loopback):
    from collaboration.demo import DEMO_RECEIVER_URL, webhooks_demo_seed
    from collaboration.events.catalog import WEBHOOK_SUBSCRIBABLE
    from collaboration.webhooks.models import WebhookSubscription

    assert "sends every event to http://127.0.0.1:8787/hooks" in webhooks_demo_seed()
    assert "already sends" in webhooks_demo_seed()

    [subscription] = WebhookSubscription.objects.all()
    assert (subscription.url, subscription.created_by) == (DEMO_RECEIVER_URL, people["pm"])
    assert subscription.event_types == sorted(WEBHOOK_SUBSCRIBABLE)


def test_the_demo_webhook_is_refused_where_loopback_is_not_allowed(people, portfolio, settings):
    from collaboration.demo import webhooks_demo_seed

    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = False
    assert "no demo webhook" in webhooks_demo_seed()
    assert not WebhookDelivery.objects.exists()
