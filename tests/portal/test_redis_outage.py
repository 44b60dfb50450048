"""Redis stopped for real: pages and the API keep serving (the cache degrades to misses), and when Redis is back
the cache is used again without a restart. A private `redis-server` on a free loopback port is started, killed
and started again, so the machine's own Redis is never touched."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from knox.models import AuthToken

from tests.factories import make_project

pytestmark = pytest.mark.django_db


@dataclass
class PrivateRedis:
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        command = [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                   "--save", "", "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    caches = {
        "default": {
            "BACKEND": "portal.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    try:
        with override_settings(CACHES=caches):
            yield server
    finally:
        server.stop()


def test_pages_and_the_api_keep_serving_while_redis_is_down_and_use_it_again_when_back(
    client, people, portfolio, private_redis
):
    make_project(portfolio=portfolio, owner=people["pm"], code="AML-001")
    cache.set("probe", "up")
    assert cache.get("probe") == "up"  # the private Redis is the cache

    private_redis.stop()
    started = time.monotonic()
    assert cache.get("probe") is None  # a miss, not an error
    client.force_login(people["exec"])
    assert client.get(reverse("dashboard-portfolio")).status_code == 200
    assert client.get(reverse("project-list")).status_code == 200
    _instance, token = AuthToken.objects.create(user=people["pm"])
    api = client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.status_code == 200 and api.json()["count"] == 1  # the throttle's counters are skipped
    assert time.monotonic() - started < 30  # short socket timeouts: a dead Redis does not stall requests

    private_redis.start()  # same port: the running app finds it again
    cache.set("probe", "back")
    assert cache.get("probe") == "back"
