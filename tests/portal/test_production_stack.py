"""`make stack`, the production stack without Docker: migrate, collectstatic, then the Procfile's gunicorn, Celery
worker and beat under honcho, with production settings on PostgreSQL and Redis; Ctrl-C stops all of it.

The stack runs against the test database (already migrated: its migrate step has nothing to do) and a Redis
database of its own, on a free loopback port.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.redis_process import shared_redis_url

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
STACK_REDIS = shared_redis_url("spare")
START_TIMEOUT_S = 180  # migrate + collectstatic of the vendored front-end on a busy 2-core machine
STOP_TIMEOUT_S = 40  # gunicorn's graceful timeout is 20 s; the worker finishes its task first


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _wait_until_serving(url: str, stack: subprocess.Popen) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and stack.poll() is None:
        if _get(url) == 200:
            return True
        time.sleep(1)
    return False


def _worker_answers(broker: str) -> bool:
    from celery import Celery

    probe = Celery("probe", broker=broker)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if probe.control.ping(timeout=2):
                return True
        return False
    finally:
        probe.close()


def test_make_stack_serves_pages_and_static_files_runs_a_worker_and_stops_on_ctrl_c(tmp_path) -> None:
    port = _free_port()
    redis.Redis.from_url(STACK_REDIS).flushdb()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": STACK_REDIS,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback, no TLS proxy in front
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "STAGEGATE_BIND": f"127.0.0.1:{port}",
        "STAGEGATE_WEB_WORKERS": "2",
        "STAGEGATE_WORKER_CONCURRENCY": "1",
        "STAGEGATE_BEAT_SCHEDULE": str(tmp_path / "beat-schedule"),
        "MAKEFLAGS": "",
    }
    env.pop("STAGEGATE_TEST_CLOCK_SHIFT_DAYS", None)
    log = (tmp_path / "stack.log").open("w+")
    stack = subprocess.Popen(  # its own process group, like a terminal's foreground job
        ["make", "--no-print-directory", "stack"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait_until_serving(f"{base}/healthz", stack), (tmp_path / "stack.log").read_text()[-3000:]
        assert _get(f"{base}/login/") == 200
        assert _get(f"{base}/static/css/stagegate.css") == 200  # collected, served by WhiteNoise
        assert _get(f"{base}/readyz") == 200  # PostgreSQL and Redis from DATABASE_URL and REDIS_URL reached
        assert _worker_answers(STACK_REDIS), "the Celery worker of the stack did not answer a ping"

        os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C: SIGINT to every process of the foreground job
        stack.wait(timeout=STOP_TIMEOUT_S)
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait(timeout=10)
        log.close()

    output = (tmp_path / "stack.log").read_text()
    for process in ("web.1", "worker.1", "beat.1"):
        assert re.search(rf"{process} started", output), output[-3000:]
        assert re.search(rf"{process} stopped", output), f"{process} did not stop: {output[-3000:]}"
    assert _get(f"{base}/healthz") == 0  # nothing listens any more
    leftovers = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True).stdout
    assert leftovers.strip() == "", "gunicorn outlived the stack"
