"""Per-connection credentials and HTTP policy, and how they reach MLflow's client.

MLflow 3.x reads both from environment variables on every request (`MLFLOW_TRACKING_USERNAME`,
`_PASSWORD`, `_TOKEN` in `mlflow.utils.credentials.get_default_host_creds`; `MLFLOW_HTTP_REQUEST_TIMEOUT`,
`_MAX_RETRIES`, `_BACKOFF_FACTOR`, `_BACKOFF_JITTER` in `mlflow.utils.rest_utils.http_request`), and its
tracking store is cached per URI, so `MlflowClient` has no per-instance way to take them. We therefore
set them around each call through `EnvGate`: calls with the same settings run concurrently, a call with
different settings (another server, other credentials) waits until those finish, and the previous
environment is restored once no call is in flight. A connection without credentials never sees another
connection's.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

# MLflow's own caps (environment_variables._MLFLOW_HTTP_REQUEST_MAX_*_LIMIT); above them it refuses.
MAX_RETRIES_LIMIT = 10
MAX_BACKOFF_FACTOR_LIMIT = 120
# urllib3's cap on one backoff sleep (Retry.DEFAULT_BACKOFF_MAX).
_BACKOFF_CAP_S = 120.0

ENV_USERNAME = "MLFLOW_TRACKING_USERNAME"
ENV_PASSWORD = "MLFLOW_TRACKING_PASSWORD"
ENV_TOKEN = "MLFLOW_TRACKING_TOKEN"
ENV_TIMEOUT = "MLFLOW_HTTP_REQUEST_TIMEOUT"
ENV_MAX_RETRIES = "MLFLOW_HTTP_REQUEST_MAX_RETRIES"
ENV_BACKOFF_FACTOR = "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"
ENV_BACKOFF_JITTER = "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER"
ENV_RESPECT_RETRY_AFTER = "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER"


@dataclass(frozen=True)
class Credentials:
    """Basic auth (username + password) or a bearer token, as MLflow's env conventions name them."""

    username: str | None = field(default=None)
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if bool(self.username) != bool(self.password):
            raise ValueError("MLflow basic auth needs both a username and a password")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if environ is None else environ
        return cls(
            username=env.get(ENV_USERNAME) or None,
            password=env.get(ENV_PASSWORD) or None,
            token=env.get(ENV_TOKEN) or None,
        )

    def env(self) -> dict[str, str | None]:
        return {ENV_USERNAME: self.username, ENV_PASSWORD: self.password, ENV_TOKEN: self.token}


@dataclass(frozen=True)
class HttpPolicy:
    """Timeout per attempt and the retry budget. MLflow reads the timeout and backoff factor as integers.

    Retries cover refused connections, timeouts and HTTP 408/429/500/502/503/504. The first retry is
    immediate; retry n >= 2 sleeps `backoff_factor * 2**(n-1)` seconds plus up to `backoff_jitter`.
    A `Retry-After` header is ignored unless `respect_retry_after`: urllib3 would sleep for whatever a
    proxy asks (an hour, say), which no budget can bound.
    """

    timeout_s: int = 30
    max_retries: int = 4
    backoff_factor: int = 2
    backoff_jitter: float = 1.0
    respect_retry_after: bool = False

    def __post_init__(self) -> None:
        if self.timeout_s < 1:
            raise ValueError("timeout_s must be at least 1 second")
        if not 0 <= self.max_retries <= MAX_RETRIES_LIMIT:
            raise ValueError(f"max_retries must be within 0..{MAX_RETRIES_LIMIT}")
        if not 0 <= self.backoff_factor <= MAX_BACKOFF_FACTOR_LIMIT:
            raise ValueError(f"backoff_factor must be within 0..{MAX_BACKOFF_FACTOR_LIMIT}")
        if self.backoff_jitter < 0:
            raise ValueError("backoff_jitter must not be negative")

    @property
    def attempts(self) -> int:
        return self.max_retries + 1

    def backoff_seconds(self) -> float:
        """Upper bound of the time slept between attempts of one call."""
        total = 0.0
        for retry in range(2, self.max_retries + 1):
            total += min(_BACKOFF_CAP_S, self.backoff_factor * 2 ** (retry - 1) + self.backoff_jitter)
        return total

    def worst_case_seconds(self) -> float:
        """Upper bound for one MLflow request (without `respect_retry_after`); one gateway call makes one
        request, an iterator one per page. A Celery soft time limit must stay above the calls it makes."""
        # requests applies the timeout to connecting and to each read separately.
        return self.attempts * 2 * self.timeout_s + self.backoff_seconds()

    def describe(self) -> str:
        return f"{self.attempts} attempt(s) with a {self.timeout_s}s timeout each"

    def env(self) -> dict[str, str | None]:
        return {
            ENV_TIMEOUT: str(self.timeout_s),
            ENV_MAX_RETRIES: str(self.max_retries),
            ENV_BACKOFF_FACTOR: str(self.backoff_factor),
            ENV_BACKOFF_JITTER: str(self.backoff_jitter),
            ENV_RESPECT_RETRY_AFTER: "true" if self.respect_retry_after else "false",
        }


class EnvGate:
    """Applies one set of environment variables for the duration of calls that share it (see module doc)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: tuple[tuple[str, str | None], ...] | None = None
        self._in_flight = 0
        self._saved: dict[str, str | None] = {}

    @contextmanager
    def applied(self, env: Mapping[str, str | None]) -> Iterator[None]:
        key = tuple(sorted(env.items()))
        with self._cond:
            while self._in_flight and self._active != key:
                self._cond.wait()
            if not self._in_flight:
                self._saved = {name: os.environ.get(name) for name in env}
                _write_env(env)
                self._active = key
            self._in_flight += 1
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                if not self._in_flight:
                    _write_env(self._saved)
                    self._active = None
                    self._saved = {}
                    self._cond.notify_all()


def _write_env(env: Mapping[str, str | None]) -> None:
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


ENV_GATE = EnvGate()
