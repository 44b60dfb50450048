"""Attempts of one delivery racing on PostgreSQL (row locks are real there): however many tasks run at once, the
endpoint gets one request, and a success is recorded once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from collaboration.events.models import Event
from collaboration.webhooks.models import WebhookDelivery
from collaboration.webhooks.services import webhook_delivery_attempt

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

RACERS = 4


def race(delivery_id: int) -> list[str | None]:
    barrier = threading.Barrier(RACERS)
    outcomes: list[str | None] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome = webhook_delivery_attempt(delivery_id)
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def pending_delivery(subscription, project) -> WebhookDelivery:
    """A delivery as dispatch leaves it, made directly: in a transactional test an on-commit task would run (and
    send it) at once."""
    event = Event.objects.create(
        type="project.state_changed",
        occurred_at=timezone.now(),
        portfolio=project.portfolio,
        project=project,
        target_type="lifecycle.project",
        target_id=str(project.pk),
        payload={"project_id": project.pk, "to_state": "closed"},
        dispatched_at=timezone.now(),
    )
    return WebhookDelivery.objects.create(subscription=subscription, event=event, created_at=timezone.now())


def test_concurrent_attempts_send_once(subscribe, project, receiver):
    delivery = pending_delivery(subscribe(), project)

    outcomes = race(delivery.pk)

    assert sorted(outcomes, key=str) == sorted(["succeeded", *[None] * (RACERS - 1)], key=str)
    assert len(receiver.requests) == 1 and receiver.duplicates == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)


def test_concurrent_attempts_of_a_failing_endpoint_count_one_attempt(subscribe, project, receiver):
    delivery = pending_delivery(subscribe(), project)
    receiver.default = "fail"

    outcomes = race(delivery.pk)

    assert sorted(outcomes, key=str) == sorted(["failed", *[None] * (RACERS - 1)], key=str)
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
