"""The one way to write an audit record. Called by every service inside its own transaction."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from lifecycle.hooks import audit_recorded
from lifecycle.models import AuditRecord, Project


def json_safe(value: Any) -> Any:
    """Dates, decimals and UUIDs as the JSON strings Django would send over the API."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def audit_write(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    project: Project | None,
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditRecord:
    record = AuditRecord.objects.create(
        project=project,
        actor=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=json_safe(before),
        after=json_safe(after),
        reason=reason,
    )
    audit_recorded(record)  # the events of the change, in the same transaction (collaboration's outbox)
    return record


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
