"""A private `redis-server` on a free loopback port, for tests that stop Redis for real (the cache, the Celery
broker) without touching the machine's own Redis. It keeps nothing on disk: a restart starts empty, as a Redis
without persistence does after a crash."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

START_TIMEOUT_S = 10


@dataclass
class PrivateRedis:
    port: int = 0
    process: subprocess.Popen | None = field(default=None, repr=False)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        """Start (or start again, on the same port) and return once it accepts connections."""
        if not self.port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                self.port = probe.getsockname()[1]
        command = [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
                   "--save", "", "--appendonly", "no"]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start within {START_TIMEOUT_S} s")

    def stop(self) -> None:
        """Kill it (SIGKILL: no shutdown save, clients see the connection reset)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def private_redis_server() -> Iterator[PrivateRedis]:
    """A started private Redis, killed at the end whatever happened."""
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


# Databases of the machine's own Redis (127.0.0.1:6379) that tests may empty, four per pytest-xdist worker counted
# down from db 15, so that parallel workers never flush each other's broker or cache.
SHARED_REDIS_SLOTS = ("broker", "mirror-broker", "live", "spare")
SHARED_REDIS_MAX_WORKERS = 16 // len(SHARED_REDIS_SLOTS)


def shared_redis_url(slot: str) -> str:
    """A database of the machine's Redis for this test process alone, by purpose (one of SHARED_REDIS_SLOTS)."""
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw") or 0)
    if index >= SHARED_REDIS_MAX_WORKERS:
        raise RuntimeError(f"at most {SHARED_REDIS_MAX_WORKERS} pytest workers share one Redis; use fewer (-n)")
    db = 15 - index * len(SHARED_REDIS_SLOTS) - SHARED_REDIS_SLOTS.index(slot)
    return f"redis://127.0.0.1:6379/{db}"
