"""What the status page shows of the overall RAG: the override in force, the override history and its forms.

The RAG itself (computed, reported beside it, the override mark) is in the project header every page shows.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from lifecycle.models import Project
from metrics.portfolio_inputs import forms as f
from metrics.portfolio_inputs.models import RagOverride

#: Overrides listed on the status page (newest first).
OVERRIDE_HISTORY_LIMIT = 10


def status_rag_rows(project: Project) -> dict[str, Any]:
    """The override in force (or None), the latest overrides, and the unbound forms to set or revoke one."""
    overrides = list(
        RagOverride.objects.filter(project=project).select_related("created_by", "revoked_by")[:OVERRIDE_HISTORY_LIMIT]
    )
    today = timezone.localdate()
    active = next((override for override in overrides if override.is_active_on(today)), None)
    return {
        "rag_override": active,
        "rag_overrides": overrides,
        "rag_today": today,
        "rag_override_form": f.RagOverrideForm(),
        "rag_revoke_form": f.RagRevokeForm(),
    }
