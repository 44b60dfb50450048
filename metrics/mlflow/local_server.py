"""A real `mlflow server` on loopback (SQLite backend, local artifacts) for the tests, the demo and the
benchmarks. Needs the full `mlflow` package (a dev dependency); the portal itself only talks to servers.

The server runs in its own process group, so stopping it leaves no orphan workers. The demo starts it
detached and remembers it in a pid file, so `make demo` can stop it when the portal stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

STARTUP_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0

# The server must not phone home or start its job runner (a dozen huey consumer processes we never use).
SERVER_ENV = {
    "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "PYTHONUNBUFFERED": "1",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def is_healthy(uri: str, timeout_s: float = 2.0) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{uri}/health", timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class LocalMlflowServer:
    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def pid_path(self) -> Path:
        return self.root / "server.pid"

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
                command, cwd=self.root, env={**os.environ, **SERVER_ENV}, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        finally:
            log.close()
        self._wait_ready()
        self.pid_path.write_text(f"{self.process.pid} {self.port}\n")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {self.process.returncode}:\n{self.log_tail()}")
            if is_healthy(self.uri):
                return
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer within {STARTUP_TIMEOUT_S}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM the whole group, SIGKILL what is left, and wait until no member remains."""
        if self.process is None:
            return
        stop_group(self.process.pid, self.process)
        self.process = None
        self.pid_path.unlink(missing_ok=True)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def stop_group(pgid: int, process: subprocess.Popen[bytes] | None = None) -> None:
    _signal_group(pgid, signal.SIGTERM)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT_S)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(pgid, signal.SIGKILL)
    if process is not None:
        process.wait(timeout=STOP_TIMEOUT_S)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)


def running_from_pid_file(root: Path) -> tuple[int, int] | None:
    """(pid, port) of a detached server started earlier under ``root`` that still answers, else None."""
    path = root / "server.pid"
    try:
        pid_text, port_text = path.read_text().split()
        pid, port = int(pid_text), int(port_text)
    except (OSError, ValueError):
        return None
    if _group_alive(pid) and is_healthy(f"http://127.0.0.1:{port}"):
        return pid, port
    return None


def stop_from_pid_file(root: Path) -> bool:
    running = running_from_pid_file(root)
    if running is None:
        (root / "server.pid").unlink(missing_ok=True)
        return False
    stop_group(running[0])
    (root / "server.pid").unlink(missing_ok=True)
    return True
