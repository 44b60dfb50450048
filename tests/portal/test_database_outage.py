"""The PostgreSQL connection dropped under a running server: a clean 503 (JSON under /api/, a page elsewhere, with
Retry-After) for the request that lost it, and the next request served again without a restart.

The drop is real: the server thread's own backend is terminated by PostgreSQL (``pg_terminate_backend``) after
Django's connection health check ran for the request, so the request meets a dead connection as it would when
the database restarts or a proxy cuts idle connections.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from django.core.signals import request_started
from django.db import connection, connections
from django.test import Client
from knox.models import AuthToken

from tests.factories import make_project

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

DROP_HEADER = "HTTP_X_TEST_DROP_DATABASE"


class _Dropper:
    """On a request carrying the header, terminate that server thread's database backend (once per request)."""

    def __init__(self) -> None:
        self.dropped = threading.Event()

    def __call__(self, sender, environ=None, **kwargs) -> None:
        if not environ or environ.get(DROP_HEADER) != "1":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")  # this thread's backend, cut from the server side below
            (pid,) = cursor.fetchone()
        killer = connections.create_connection("default")
        try:
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            killer.close()
        self.dropped.set()


@pytest.fixture
def dropper():
    drop = _Dropper()
    request_started.connect(drop, dispatch_uid="test-drop-database")
    try:
        yield drop
    finally:
        request_started.disconnect(dispatch_uid="test-drop-database")


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # loopback only: the live server
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_a_dropped_connection_answers_503_json_then_the_api_recovers(live_server, people, dropper):
    make_project(portfolio=people["pm"].memberships.first().portfolio, owner=people["pm"], code="AML-001")
    _instance, token = AuthToken.objects.create(user=people["pm"])
    url, auth = f"{live_server.url}/api/v1/projects/", {"Authorization": f"Token {token}"}

    assert _get(url, auth)[0] == 200
    status, headers, body = _get(url, {**auth, "X-Test-Drop-Database": "1"})
    assert dropper.dropped.is_set()
    assert status == 503, body
    assert headers["Content-Type"].startswith("application/json") and '"code":"unavailable"' in body.replace(" ", "")
    assert int(headers["Retry-After"]) > 0
    status, _headers, body = _get(url, auth)  # the next request reconnects: no restart
    assert status == 200 and "AML-001" in body


def test_a_dropped_connection_answers_a_503_page_then_pages_recover(live_server, people, dropper):
    browser = Client()
    browser.force_login(people["pm"])
    cookie = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    url = f"{live_server.url}/projects/"

    assert _get(url, cookie)[0] == 200
    status, headers, body = _get(url, {**cookie, "X-Test-Drop-Database": "1"})
    assert status == 503
    assert headers["Content-Type"].startswith("text/html") and "temporarily unavailable" in body
    assert "Retry-After" in headers
    assert _get(url, cookie)[0] == 200
