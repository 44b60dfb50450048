"""A real `mlflow server` for the metrics tests (SQLite backend and artifacts in a temp dir, loopback only).

- `mlflow_server` (session): one server shared by the tests; isolate data with `mlflow_namespace`.
- `mlflow_namespace` (function): a unique name prefix for the experiments and models a test creates.
- `restartable_mlflow_server` (function): a server of the test's own that it may stop and start again.
- `fake_mlflow` (function): a tiny HTTP stand-in that records requests and answers a fixed status, for the
  faults and headers a real server cannot be made to produce on demand.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from metrics.mlflow.local_server import LocalMlflowServer


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMlflowServer]:
    server = LocalMlflowServer(root=tmp_path_factory.mktemp("mlflow-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mlflow_namespace(request: pytest.FixtureRequest) -> str:
    """Unique prefix for this test's experiments and registered models on the shared server."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)[:40]
    return f"t-{uuid.uuid4().hex[:10]}-{readable}"


@pytest.fixture
def restartable_mlflow_server(tmp_path: Path) -> Iterator[LocalMlflowServer]:
    server = LocalMlflowServer(root=tmp_path / "mlflow-own")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- a stand-in server for faults ---------------------------------------------------------------------


@dataclass
class FakeMlflow:
    """Answers every request with `status` and `body`, recording (method, path, Authorization header)."""

    status: int = 503
    body: dict[str, object] = field(default_factory=lambda: {"error_code": "TEMPORARILY_UNAVAILABLE"})
    delay_s: float = 0.0
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def uri(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                with fake.lock:
                    fake.requests.append((self.command, self.path, self.headers.get("Authorization")))
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                payload = json.dumps(fake.body).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence stderr
                pass

        return Handler


@pytest.fixture
def fake_mlflow() -> Iterator[FakeMlflow]:
    fake = FakeMlflow()
    fake.server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    fake.server.daemon_threads = True
    thread = threading.Thread(target=fake.server.serve_forever, name="fake-mlflow", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        thread.join(timeout=5)


@dataclass
class SilentListener:
    """Accepts TCP connections and never answers, counting them: a server that hangs."""

    sock: socket.socket
    accepted: list[socket.socket] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)


@pytest.fixture
def silent_listener() -> Iterator[SilentListener]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)  # lets the accept loop notice `stopping`
    listener = SilentListener(sock)
    thread = threading.Thread(target=listener.serve, name="silent-listener", daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        listener.stopping.set()
        thread.join(timeout=5)
        sock.close()
        for conn in listener.accepted:
            conn.close()
