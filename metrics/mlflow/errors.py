"""Our own MLflow errors, so callers never catch `mlflow` or `requests` exception types.

The split follows what a caller can do about it: `MlflowUnavailable` is transient (retry later, keep
serving what we have, mark it stale); `MlflowNotFound` and `MlflowRequestRejected` will fail the same
way again until someone changes the request or the data.
"""

from __future__ import annotations

import requests
import urllib3.exceptions
from mlflow.exceptions import MlflowException

# MLflow error-code names (protos/databricks.proto) grouped by what they mean for us.
_NOT_FOUND_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "NOT_FOUND"})
_ACCESS_CODES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED", "CUSTOMER_UNAUTHORIZED"})
_TRANSIENT_CODES = frozenset({"TEMPORARILY_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "DEADLINE_EXCEEDED"})
# Network-level failures; MLflow wraps them in a bare MlflowException, so we look down the cause chain.
_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.RetryError,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.MaxRetryError,
    urllib3.exceptions.ProtocolError,
    ConnectionError,
    TimeoutError,
)


class MlflowError(Exception):
    """Base of every error the MLflow gateway raises. `message` is safe to show to a person."""

    def __init__(self, message: str, *, uri: str = "", operation: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.uri = uri
        self.operation = operation


class MlflowUnavailable(MlflowError):
    """The server could not be reached or kept failing within the retry budget: transient, retry later."""


class MlflowNotFound(MlflowError):
    """The run, experiment, model or version does not exist (or is not visible with these credentials)."""


class MlflowRequestRejected(MlflowError):
    """The server refused the request itself (bad filter, bad parameter): retrying will not help."""


class MlflowAccessDenied(MlflowRequestRejected):
    """Credentials missing or wrong for this server (HTTP 401/403)."""


def _transport_cause(exc: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _TRANSPORT_ERRORS):
            return current
        current = current.__cause__ or current.__context__
    return None


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def translate_error(exc: BaseException, *, uri: str, operation: str, budget: str) -> MlflowError:
    """Map an exception raised while talking to MLflow onto our hierarchy, with a readable message.

    `budget` describes the timeout and retry policy in force, so an outage message says how long we tried.
    """
    where = f"MLflow at {uri} ({operation})"
    if isinstance(exc, MlflowException) and not _transport_cause(exc):
        code = str(exc.error_code)
        status = exc.get_http_status_code()
        detail = _first_line(exc.message)
        if code in _NOT_FOUND_CODES or status == 404:
            return MlflowNotFound(f"{where}: not found. {detail}", uri=uri, operation=operation)
        if code in _ACCESS_CODES or status in (401, 403):
            return MlflowAccessDenied(
                f"{where}: access denied; check the connection's credentials. {detail}", uri=uri, operation=operation
            )
        if code in _TRANSIENT_CODES or status >= 500:
            return MlflowUnavailable(f"{where}: server error after {budget}. {detail}", uri=uri, operation=operation)
        if 400 <= status < 500:
            return MlflowRequestRejected(f"{where}: request rejected. {detail}", uri=uri, operation=operation)
        return MlflowError(f"{where}: {detail}", uri=uri, operation=operation)
    cause = _transport_cause(exc) or exc
    return MlflowUnavailable(
        f"{where}: unreachable after {budget}: {type(cause).__name__}: {_first_line(str(cause))}",
        uri=uri,
        operation=operation,
    )
