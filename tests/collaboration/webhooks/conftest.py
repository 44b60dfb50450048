"""A real webhook receiver on loopback that verifies every delivery as an integrator would (standardwebhooks), and
helpers to build a subscription pointed at it and an event of its portfolio."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from rest_framework.test import APIClient
from standardwebhooks import Webhook, WebhookVerificationError

from collaboration.events.catalog import EventType
from collaboration.events.dispatch import event_dispatch
from collaboration.events.services import event_record
from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription
from collaboration.webhooks.services import webhook_subscription_create


@dataclass
class Receiver:
    """What the endpoint answers (``plan``: one behaviour per request, then ``default``) and what it saw."""

    secret: str = ""
    plan: list[str] = field(default_factory=list)  # "ok", "fail", "redirect", "slow", "hang"
    default: str = "ok"
    url: str = ""
    requests: list[dict] = field(default_factory=list)  # every POST, verified or not
    processed: list[str] = field(default_factory=list)  # webhook-ids acted upon (deduplicated)
    duplicates: list[str] = field(default_factory=list)  # webhook-ids seen again and ignored
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Event = field(default_factory=threading.Event)  # a "hang" request was processed
    released: threading.Event = field(default_factory=threading.Event)  # let a "hang" request answer

    def verified(self) -> list[dict]:
        return [request for request in self.requests if request["verified"]]


def _handler(receiver: Receiver) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {key.lower(): value for key, value in self.headers.items()}
            with receiver.lock:
                behaviour = receiver.plan.pop(0) if receiver.plan else receiver.default
                try:
                    message = Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    message, verified = None, False
                receiver.requests.append(
                    {"headers": headers, "body": body, "message": message, "verified": verified, "answer": behaviour}
                )
            if behaviour == "slow":
                time.sleep(2)
            if behaviour == "redirect":
                self.send_response(302)
                self.send_header("Location", receiver.url + "elsewhere")
                self.end_headers()
                return
            if behaviour == "fail" or not verified:
                self._answer(500, b"receiver says no")
                return
            with receiver.lock:  # deduplicate by webhook-id, as the spec asks receivers to
                msg_id = headers["webhook-id"]
                if msg_id in receiver.processed:
                    receiver.duplicates.append(msg_id)
                else:
                    receiver.processed.append(msg_id)
            if behaviour == "hang":  # processed, but the answer waits (the sender is killed meanwhile)
                receiver.arrived.set()
                receiver.released.wait(timeout=60)
            self._answer(200, b'{"ok": true}')

        def _answer(self, code: int, body: bytes) -> None:
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.released.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_loopback(settings):
    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def subscribe(people, portfolio, receiver, allow_loopback):
    """subscribe() -> a subscription of the PM's portfolio to the receiver (the receiver learns its secret)."""

    def make(event_types: list[str] | None = None, url: str | None = None) -> WebhookSubscription:
        subscription = webhook_subscription_create(
            actor=people["pm"],
            portfolio=portfolio,
            url=url or receiver.url,
            event_types=event_types or [EventType.PROJECT_STATE_CHANGED],
            description="CI",
        )
        receiver.secret = subscription.secret
        return subscription

    return make


@pytest.fixture
def emit(project, people):
    """emit() -> a committed-looking project.state_changed event of the project, dispatched; its deliveries."""

    def make(event_type: str = EventType.PROJECT_STATE_CHANGED) -> list[WebhookDelivery]:
        event = event_record(
            type=event_type,
            actor=people["pm"],
            portfolio=None,
            project=project,
            target=project,
            payload={"from_state": "active", "to_state": "on hold", "phase": "charter"},
        )
        assert event_dispatch(event.pk)
        return list(WebhookDelivery.objects.filter(event=event).order_by("pk"))

    return make


@pytest.fixture
def api_as(people):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[role])
        return client

    return make
