"""Liveness and readiness probes, against the real database and a real (or closed) Redis port."""

import os
import socket

import pytest

from tests.redis_process import shared_redis_url

# A Redis the suite may talk to (CI starts one); the readiness check only pings it.
LIVE_REDIS_URL = os.environ.get("STAGEGATE_TEST_REDIS_URL") or shared_redis_url("live")


def closed_port() -> int:
    """A local port nothing listens on: bound, read, released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_a_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_with_the_database_and_no_broker(client, settings):
    settings.REDIS_URL = ""

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_readyz_checks_a_configured_broker(client, settings):
    settings.REDIS_URL = LIVE_REDIS_URL

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_is_down(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "broker": "error: ConnectionError"},
    }


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_refuse_writes(client, path):
    assert client.post(path).status_code == 405
