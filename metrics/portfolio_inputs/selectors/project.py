"""Selectors of one project's dashboard: its snapshots, gate history, open conditions."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F

from lifecycle.choices import GateActionKind, GateReviewStatus
from lifecycle.models import GateAction, GateReview, Project
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot


def project_dashboard_snapshots(project: Project) -> dict[str, dict[str, MetricSnapshot]]:
    """Every snapshot of one project: {metric: {period: snapshot}}. 1 query."""
    result: dict[str, dict[str, MetricSnapshot]] = defaultdict(dict)
    for snapshot in MetricSnapshot.objects.filter(scope_type=ScopeType.PROJECT, scope_id=project.pk):
        result[snapshot.metric][snapshot.period] = snapshot
    return dict(result)


def project_gate_history(project: Project) -> list[GateReview]:
    """The project's gate reviews, newest first, with their decision maker and actions. 2 queries."""
    return list(
        GateReview.objects.filter(project=project)
        .select_related("decided_by")
        .prefetch_related("actions__owner")
        .order_by("-requested_at", "-id")
    )


def project_open_conditions(project: Project) -> list[GateAction]:
    """Open conditions and rework items of the project's decided reviews, earliest due first. 1 query."""
    return list(
        GateAction.objects.filter(
            review__project=project, review__status=GateReviewStatus.DECIDED, completed_at__isnull=True
        )
        .filter(kind__in=[GateActionKind.CONDITION, GateActionKind.REWORK])
        .select_related("owner", "review")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )
