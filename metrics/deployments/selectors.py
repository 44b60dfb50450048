"""Reads of deployed models' alerts for pages and dashboards."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from metrics.deployments.choices import AlertSeverity, AlertState
from metrics.deployments.models import ModelAlert

SEVERITY_ORDER = (AlertSeverity.CRITICAL, AlertSeverity.HIGH, AlertSeverity.MEDIUM, AlertSeverity.LOW)


def project_open_alerts(project_id: int) -> QuerySet[ModelAlert]:
    """Unresolved alerts of a project's deployed models, most severe and oldest due first (one query)."""
    severity_rank = Case(
        *(When(severity=value, then=Value(rank)) for rank, value in enumerate(SEVERITY_ORDER)),
        output_field=IntegerField(),
    )
    return (
        ModelAlert.objects.filter(deployed_model__project_id=project_id)
        .exclude(state=AlertState.RESOLVED)
        .select_related("owner", "deployed_model")
        .order_by(severity_rank, "due_date", "pk")
    )
