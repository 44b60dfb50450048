import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from rest_framework.test import APIClient


class Inbox:
    """An aiosmtpd handler that keeps every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        with self.lock:
            self.messages.append(
                {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content.decode()}
            )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free loopback port; Django's SMTP backend pointed at it."""
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's readiness check cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
        settings.DEFAULT_FROM_EMAIL = "Stagegate <stagegate@example.com>"
        settings.STAGEGATE_SITE_URL = "https://stagegate.example.com"
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def api_as(people):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[role])
        return client

    return make
