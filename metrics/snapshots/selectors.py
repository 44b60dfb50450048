"""Reads about the snapshots that the pages need besides the snapshots themselves."""

from __future__ import annotations

from metrics.snapshots.models import MetricComputeRequest


def scope_update_pending(scope_type: str, scope_id: int) -> bool:
    """An input of the scope changed and its snapshots are not recomputed yet: its figures are about to change
    (within seconds normally; later when the broker was down and the beat reconciler has to pick it up). 1 query."""
    return MetricComputeRequest.objects.filter(scope_type=scope_type, scope_id=scope_id).exists()
