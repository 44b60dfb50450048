"""A real worker killed after its POST reached the endpoint and before it recorded the answer: the receiver has
processed the message, the database still says "in flight". Nothing is lost and nothing is processed twice:

- the killed task's message (acks_late) is redelivered by Redis to the next worker, which finds the delivery
  leased and sends nothing;
- once the lease ends, the reconciler (``collaboration.webhook_deliveries_send_due``, every minute on beat) sends
  it again with the same webhook-id; the receiver sees a duplicate and ignores it; the success is recorded.

PostgreSQL only: the worker processes share the test database. A private Redis: nothing of the machine's own.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import redis
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.events.services import event_record
from collaboration.webhooks.models import WebhookDelivery
from collaboration.webhooks.tasks import webhook_deliveries_send_due
from tests.metrics.compute_fixtures import celery_broker_at, wait_for, worker_log, worker_process
from tests.redis_process import PrivateRedis, private_redis_server

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

WAIT_S = 60
DELIVER = "collaboration.webhook_deliver"


@pytest.fixture
def broker(monkeypatch) -> Iterator[PrivateRedis]:
    monkeypatch.setenv("STAGEGATE_WEBHOOK_ALLOW_PRIVATE", "true")  # the workers call the receiver on loopback
    with private_redis_server() as server, celery_broker_at(monkeypatch, server.url()):
        yield server


def unacknowledged_tasks(client: redis.Redis) -> list[str]:
    import json

    return sorted(json.loads(raw)[0]["headers"]["task"] for raw in client.hvals("unacked"))


def settled(client: redis.Redis) -> bool:
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def test_a_worker_killed_between_send_and_record_sends_again_once_and_the_receiver_processes_once(
    subscribe, project, people, receiver, broker, tmp_path
):
    subscribe()
    receiver.plan = ["hang"]
    client = redis.Redis.from_url(broker.url())
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"

    with worker_process(broker.url(), first_log) as first:
        # Committed at once (transactional test): the dispatch task, then the delivery task, run in the worker.
        event = event_record(
            type=EventType.PROJECT_STATE_CHANGED,
            actor=people["pm"],
            portfolio=None,
            project=project,
            target=project,
            payload={"from_state": "active", "to_state": "closed", "phase": "charter"},
        )
        assert wait_for(receiver.arrived.is_set, WAIT_S), worker_log(first_log)
        first.send_signal(signal.SIGKILL)  # the POST was processed; its answer is never read nor recorded
        first.wait(timeout=10)
    receiver.released.set()

    msg_id = str(event.public_id)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > timezone.now()  # leased
    assert unacknowledged_tasks(client) == [DELIVER]  # acks_late: the message is not lost either

    with worker_process(broker.url(), second_log, visibility_timeout_s=1):
        # Redis gives the killed task's message to this worker: the delivery is leased, nothing is sent.
        assert wait_for(lambda: settled(client), WAIT_S), worker_log(second_log)
        assert "collaboration.webhook_deliver" in worker_log(second_log, lines=1000)
        assert len(receiver.requests) == 1

        # The lease ends (as if its minutes passed); beat's reconciler sends it again, same webhook-id.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        webhook_deliveries_send_due.delay()
        assert wait_for(lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == "succeeded", WAIT_S), worker_log(
            second_log
        )
        assert wait_for(lambda: settled(client), WAIT_S)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 2, 200)
    assert [request["headers"]["webhook-id"] for request in receiver.requests] == [msg_id, msg_id]
    assert all(request["verified"] for request in receiver.requests)
    assert receiver.processed == [msg_id] and receiver.duplicates == [msg_id]  # acted upon once
