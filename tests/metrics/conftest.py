"""A real `mlflow server` for the metrics tests (SQLite backend and artifacts in a temp dir, loopback only).

- `mlflow_server` (session): one server shared by the tests; isolate data with `mlflow_namespace`.
- `mlflow_namespace` (function): a unique name prefix for the experiments and models a test creates.
- `restartable_mlflow_server` (function): a server of the test's own that it may stop and start again.
- `fake_mlflow` (function): a tiny HTTP stand-in that records requests and answers a fixed status, for the
  faults and headers a real server cannot be made to produce on demand.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

STARTUP_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0

# The server must not phone home or start its job runner (a dozen huey consumer processes we never use).
_SERVER_ENV = {
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHONUNBUFFERED": "1",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MlflowServer:
    """An `mlflow server` subprocess in its own process group, so stopping it leaves no orphans."""

    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    def start(self) -> None:
        assert self.process is None, "server already running"
        self.root.mkdir(parents=True, exist_ok=True)
        mlflow_bin = Path(sys.executable).with_name("mlflow")
        command = [
            str(mlflow_bin), "server",
            "--backend-store-uri", f"sqlite:///{self.root / 'mlflow.db'}",
            "--artifacts-destination", str(self.root / "artifacts"),
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                command, cwd=self.root, env={**os.environ, **_SERVER_ENV}, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        finally:
            log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with opener.open(f"{self.uri}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {STARTUP_TIMEOUT_S}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM the whole group, SIGKILL what is left, and wait until no member remains."""
        if self.process is None:
            return
        pgid = self.process.pid  # start_new_session: the group id is the leader's pid
        _signal_group(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT_S)
        _signal_group(pgid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = MlflowServer(root=tmp_path_factory.mktemp("mlflow-server"))
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
def restartable_mlflow_server(tmp_path: Path) -> Iterator[MlflowServer]:
    server = MlflowServer(root=tmp_path / "mlflow-own")
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
