"""Where a notification takes its reader: the page on which the thing is seen or done."""

from __future__ import annotations

from django.urls import reverse

from collaboration.events.catalog import CATALOG, EventType
from collaboration.events.models import Event

REVIEW_TYPES = {
    EventType.GATE_REVIEW_REQUESTED,
    EventType.GATE_REVIEW_VOTE_CAST,
    EventType.GATE_REVIEW_DECIDED,
    EventType.GATE_ACTION_DUE,
    EventType.GATE_ACTION_OVERDUE,
    EventType.EVIDENCE_CHANGED_SINCE_DECISION,
}


def event_link(event: Event) -> str:
    """A site path (no host): the review, the alerts of the project, the comment, or the project."""
    payload = event.payload
    if event.type in REVIEW_TYPES and payload.get("review_id"):
        return reverse("gate-review-detail", args=[payload["review_id"]])
    if event.type == EventType.MODEL_ALERT_OPENED and event.project_id:
        return reverse("project-deployed-models", args=[event.project_id])
    url = str(payload.get("url") or "")
    if url.startswith("/") and not url.startswith("//"):  # a path of this site only, never elsewhere
        return url
    return reverse("project-detail", args=[event.project_id]) if event.project_id else reverse("notifications")


def event_summary(event: Event) -> str:
    return CATALOG[event.type].summary_of(event.payload)
