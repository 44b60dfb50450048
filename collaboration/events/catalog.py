"""The catalog of event types: what each means and the fields of its payload.

One place: the outbox writes only these types, the notifications read their summaries from here, and the README and
the webhook schema describe payloads from ``CATALOG``. Payloads are small and stable: ids and codes to follow, the
few words a notification shows, nothing that changes meaning later. Every payload also carries ``project_id`` and
``project_code`` when the event concerns a project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models


class EventType(models.TextChoices):
    GATE_REVIEW_REQUESTED = "gate_review.requested", "Gate review requested"
    GATE_REVIEW_VOTE_CAST = "gate_review.vote_cast", "Vote cast on a gate review"
    GATE_REVIEW_DECIDED = "gate_review.decided", "Gate review decided"
    PROJECT_PHASE_CHANGED = "project.phase_changed", "Project moved to another phase"
    PROJECT_STATE_CHANGED = "project.state_changed", "Project state changed"
    GATE_ACTION_DUE = "gate_action.due", "Condition or rework item due soon"
    GATE_ACTION_OVERDUE = "gate_action.overdue", "Condition or rework item overdue"
    EVIDENCE_CHANGED_SINCE_DECISION = "evidence.changed_since_decision", "Evidence changed since the decision"
    MODEL_ALERT_OPENED = "model_alert.opened", "Model alert opened"
    COMMENT_CREATED = "comment.created", "Comment added"
    COMMENT_MENTIONED = "comment.mentioned", "You were mentioned"
    WEBHOOK_DISABLED = "webhook.disabled", "Webhook disabled after failures"
    WEBHOOK_PING = "webhook.ping", "Webhook test ping"


PROJECT_FIELDS = {"project_id": "integer", "project_code": "string"}


@dataclass(frozen=True)
class EventSpec:
    description: str
    summary: str  # str.format over the payload: the one line a notification shows
    payload: dict[str, str] = field(default_factory=dict)  # field name -> JSON type

    def summary_of(self, payload: dict[str, Any]) -> str:
        try:
            return self.summary.format_map(payload)
        except (KeyError, IndexError, ValueError):  # a payload of an older shape: never break a page over it
            return self.description


CATALOG: dict[str, EventSpec] = {
    EventType.GATE_REVIEW_REQUESTED: EventSpec(
        "A project manager asked for the gate review that ends the project's phase.",
        "{project_code}: the {phase} gate review is requested",
        {**PROJECT_FIELDS, "review_id": "integer", "phase": "string", "requested_by_id": "integer"},
    ),
    EventType.GATE_REVIEW_VOTE_CAST: EventSpec(
        "A reviewer (Accountable or Consulted of the gate) voted, or changed their vote, on an open review.",
        "{project_code}: a {vote} vote on the {phase} gate review",
        {**PROJECT_FIELDS, "review_id": "integer", "phase": "string", "vote": "string", "voter_id": "integer"},
    ),
    EventType.GATE_REVIEW_DECIDED: EventSpec(
        "The gate's Accountable decided a review: go, conditional go, recycle or no-go.",
        "{project_code}: the {phase} gate is decided ({decision})",
        {
            **PROJECT_FIELDS,
            "review_id": "integer",
            "phase": "string",
            "decision": "string",
            "no_go_outcome": "string",
            "decided_by_id": "integer",
        },
    ),
    EventType.PROJECT_PHASE_CHANGED: EventSpec(
        "A gate decision moved the project to its next phase.",
        "{project_code} moved from {from_phase} to {to_phase}",
        {**PROJECT_FIELDS, "from_phase": "string", "to_phase": "string", "state": "string"},
    ),
    EventType.PROJECT_STATE_CHANGED: EventSpec(
        "The project was put on hold, cancelled, closed or resumed.",
        "{project_code} is now {to_state}",
        {**PROJECT_FIELDS, "from_state": "string", "to_state": "string", "phase": "string"},
    ),
    EventType.GATE_ACTION_DUE: EventSpec(
        "A condition or rework item still open falls due within the notice period (sent once per item).",
        "{project_code}: “{description}” is due on {due_date}",
        {
            **PROJECT_FIELDS,
            "action_id": "integer",
            "review_id": "integer",
            "kind": "string",
            "description": "string",
            "due_date": "date",
            "owner_id": "integer",
        },
    ),
    EventType.GATE_ACTION_OVERDUE: EventSpec(
        "A condition or rework item is past its due date and not completed (sent once per item).",
        "{project_code}: “{description}” is overdue since {due_date}",
        {
            **PROJECT_FIELDS,
            "action_id": "integer",
            "review_id": "integer",
            "kind": "string",
            "description": "string",
            "due_date": "date",
            "owner_id": "integer",
        },
    ),
    EventType.EVIDENCE_CHANGED_SINCE_DECISION: EventSpec(
        "MLflow evidence frozen with a decision differs from the live mirror (sent once per distinct set of changes).",
        "{project_code}: evidence of the decided {phase} gate changed ({change_count} changes)",
        {
            **PROJECT_FIELDS,
            "review_id": "integer",
            "phase": "string",
            "change_count": "integer",
            "changes": "array of strings (at most 10)",
        },
    ),
    EventType.MODEL_ALERT_OPENED: EventSpec(
        "A deployed model crossed one of its production thresholds.",
        "{project_code}: {deployed_model} alert on {metric_key} ({severity})",
        {
            **PROJECT_FIELDS,
            "alert_id": "integer",
            "deployed_model": "string",
            "metric_key": "string",
            "observed_value": "number",
            "threshold": "string",
            "severity": "string",
            "owner_id": "integer",
        },
    ),
    EventType.COMMENT_CREATED: EventSpec(
        "Someone commented on a gate review, charter, artifact or model alert.",
        "{project_code}: new comment on {subject}",
        {
            **PROJECT_FIELDS,
            "comment_id": "integer",
            "target_kind": "string (gate_review, charter, artifact or model_alert)",
            "target_id": "integer",
            "subject": "string",
            "excerpt": "string (at most 140 characters)",
            "url": "string (the site path of the comment: the target's page and #comment-<id>)",
            "participant_ids": "array of integers (earlier commenters of the thread)",
        },
    ),
    EventType.COMMENT_MENTIONED: EventSpec(
        "Someone @mentioned a person in a comment.",
        "{project_code}: you were mentioned on {subject}",
        {
            **PROJECT_FIELDS,
            "comment_id": "integer",
            "target_kind": "string (gate_review, charter, artifact or model_alert)",
            "target_id": "integer",
            "subject": "string",
            "excerpt": "string (at most 140 characters)",
            "url": "string (the site path of the comment: the target's page and #comment-<id>)",
            "mentioned_user_id": "integer",
        },
    ),
    EventType.WEBHOOK_DISABLED: EventSpec(
        "A webhook subscription was disabled after too many deliveries in a row were given up.",
        "Webhook to {url} disabled: {reason}",
        {
            "subscription_id": "integer",
            "url": "string",
            "reason": "string",
            "consecutive_failures": "integer",
            "created_by_id": "integer",
        },
    ),
    EventType.WEBHOOK_PING: EventSpec(
        "A test delivery a manager asked for (POST /api/v1/webhooks/{id}/ping/); sent to that subscription only, "
        "never to notifications.",
        "Webhook test ping",
        {"subscription_id": "integer", "message": "string"},
    ),
}

# Types a webhook subscription may name: a ping goes only to the subscription it tests.
WEBHOOK_SUBSCRIBABLE: tuple[str, ...] = tuple(value for value in EventType.values if value != EventType.WEBHOOK_PING)

# Audit actions (lifecycle.services.audit.audit_write) that are events, and the type each becomes. A phase change
# that is not a phase change (same phase) is written as project.state_change by gate_decide.
AUDIT_ACTION_EVENTS: dict[str, str] = {
    "gate.request": EventType.GATE_REVIEW_REQUESTED,
    "gate.vote": EventType.GATE_REVIEW_VOTE_CAST,
    "gate.decide": EventType.GATE_REVIEW_DECIDED,
    "project.phase_change": EventType.PROJECT_PHASE_CHANGED,
    "project.state_change": EventType.PROJECT_STATE_CHANGED,
    "project.resume": EventType.PROJECT_STATE_CHANGED,
    "deployment.alert_raised": EventType.MODEL_ALERT_OPENED,
}

assert set(CATALOG) == set(EventType.values), "every event type needs its catalog entry"
