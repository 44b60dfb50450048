"""Redis stopped for real: pages and the API keep serving (the cache degrades to misses), and when Redis is back
the cache is used again without a restart. A private `redis-server` on a free loopback port is started, killed
and started again, so the machine's own Redis is never touched."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from knox.models import AuthToken

from tests.factories import make_project
from tests.redis_process import PrivateRedis, private_redis_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    with private_redis_server() as server:
        caches = {
            "default": {
                "BACKEND": "portal.cache.TolerantRedisCache",
                "LOCATION": server.url(),
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        with override_settings(CACHES=caches):
            yield server


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
