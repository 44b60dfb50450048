"""The one place the portal calls webhook endpoints: signing (Standard Webhooks), headers, timeout, no redirects,
the SSRF check at send time, and the translation of every outcome into an ``AttemptResult``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from standardwebhooks import Webhook
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from collaboration.webhooks.models import RESPONSE_EXCERPT_MAX
from collaboration.webhooks.targets import url_refusal

USER_AGENT = "Stagegate-Webhooks/1"


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    status: int | None = None
    ms: int | None = None
    excerpt: str = ""
    error: str = ""


def webhook_body(*, event_type: str, occurred_at: datetime, data: dict[str, Any]) -> bytes:
    """The JSON body, serialized once: the bytes signed are the bytes sent."""
    message = {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data}
    return json.dumps(message, separators=(",", ":"), sort_keys=True, default=str).encode()


def webhook_headers(*, secret: str, msg_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, sent_at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def webhook_post(*, url: str, secret: str, msg_id: str, sent_at: datetime, body: bytes) -> AttemptResult:
    """POST one signed message; never raises for what the endpoint or the network does."""
    refusal = url_refusal(url)
    if refusal:
        return AttemptResult(False, error=f"Refused target: {refusal}")
    headers = webhook_headers(secret=secret, msg_id=msg_id, sent_at=sent_at, body=body)
    started = time.monotonic()
    try:
        # No redirects: a 3xx is a failure (following one could lead anywhere, past the check above). Streamed, so
        # an endpoint answering with a huge body costs only the excerpt we keep.
        response = requests.post(
            url,
            data=body,
            headers=headers,
            timeout=settings.STAGEGATE_WEBHOOK_TIMEOUT_S,
            allow_redirects=False,
            stream=True,
        )
        try:
            raw = response.raw.read(RESPONSE_EXCERPT_MAX * 4, decode_content=True) or b""
        finally:
            response.close()
    except (requests.Timeout, ReadTimeoutError):  # the body read from .raw raises urllib3's own
        return AttemptResult(
            False, ms=_ms(started), error=f"No answer within {settings.STAGEGATE_WEBHOOK_TIMEOUT_S} s."
        )
    except (requests.RequestException, Urllib3Error, OSError) as error:
        return AttemptResult(False, ms=_ms(started), error=f"Connection failed: {type(error).__name__}.")
    status = response.status_code
    excerpt = raw.decode(errors="replace")[:RESPONSE_EXCERPT_MAX]
    if 200 <= status < 300:
        return AttemptResult(True, status=status, ms=_ms(started), excerpt=excerpt)
    failure = f"HTTP {status}" + (" (redirects are not followed)" if 300 <= status < 400 else "")
    return AttemptResult(False, status=status, ms=_ms(started), excerpt=excerpt, error=failure)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
