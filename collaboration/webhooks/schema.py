"""The payload of every event type in the OpenAPI document, generated from ``collaboration.events.catalog.CATALOG``.

The document is OpenAPI 3.0 (schemathesis and the validators run on it), whose root has no ``webhooks``: they go
under ``x-webhooks``, the extension Redoc reads for 3.0 documents and the shape of 3.1's ``webhooks``. Built with
drf-spectacular's own ``OpenApiWebhook`` processing, from a postprocessing hook (SPECTACULAR_SETTINGS).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.plumbing import process_webhooks
from drf_spectacular.utils import OpenApiWebhook

from collaboration.events.catalog import CATALOG, EventType
from collaboration.webhooks.client import USER_AGENT

HEADERS = {
    "webhook-id": "The event's public id: the same on every attempt and redelivery; deduplicate by it.",
    "webhook-timestamp": "Unix seconds when this attempt was signed; refuse old ones (5 minutes).",
    "webhook-signature": "v1,<base64 HMAC-SHA256 of '<webhook-id>.<webhook-timestamp>.<body>'> with the secret.",
}


def field_schema(kind: str) -> dict[str, Any]:
    """A catalog field type ("integer", "date", "array of strings (at most 10)") as JSON Schema."""
    if kind.startswith("array of integers"):
        return {"type": "array", "items": {"type": "integer"}, "description": kind}
    if kind.startswith("array of strings"):
        return {"type": "array", "items": {"type": "string"}, "description": kind}
    if kind == "date":
        return {"type": "string", "format": "date"}
    return {"type": kind if kind in ("integer", "number", "string", "boolean") else "string"}


def event_message_schema(event_type: str) -> dict[str, Any]:
    spec = CATALOG[event_type]
    data = {name: field_schema(kind) for name, kind in spec.payload.items()}
    data["event_id"] = {"type": "string", "format": "uuid", "description": "Equals the webhook-id header."}
    return {
        "type": "object",
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"type": "string", "enum": [event_type]},
            "timestamp": {"type": "string", "format": "date-time", "description": "When the event occurred."},
            "data": {"type": "object", "properties": data, "required": ["event_id"]},
        },
    }


def event_webhooks() -> list[OpenApiWebhook]:
    webhooks = []
    for member, spec in CATALOG.items():
        event_type = EventType(member).value  # a plain str: the YAML rendering of the schema refuses enum members
        operation = {
            "summary": str(EventType(member).label),
            "description": spec.description,
            "tags": ["webhooks"],
            "parameters": [
                {"name": name, "in": "header", "required": True, "schema": {"type": "string"}, "description": text}
                for name, text in HEADERS.items()
            ]
            + [{"name": "user-agent", "in": "header", "schema": {"type": "string", "example": USER_AGENT}}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": event_message_schema(event_type)}},
            },
            "responses": {
                "2XX": {"description": "Received. Anything else (3xx included: redirects are not followed) is retried."}
            },
        }
        webhooks.append(OpenApiWebhook(name=event_type, decorator={"post": operation}))
    return webhooks


def webhooks_in_schema(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    result["x-webhooks"] = process_webhooks(event_webhooks(), generator.registry)
    return result
