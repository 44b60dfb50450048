"""Alerts of deployed models: evaluating production thresholds against the mirror, and handling the alerts.

After each sync of a monitoring experiment link, `deployed_models_evaluate_for_link` compares the latest
point of each thresholded metric with its threshold; a breach opens a `ModelAlert`, an action item with an
owner (the model's owner, else the project's owner) and a due date set by severity. The rules (one
unresolved alert per threshold, a new observation for a new alert, no automatic resolution, only the latest
point counts) are stated in `metrics.deployments.services.deployed_models`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from metrics.deployments.choices import AlertState
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.deployments.services.deployed_models import alert_due_date, is_healthy
from metrics.mirror.models import MlflowRun, RunMetricPoint
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portfolio.access import can_handle_alert

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# -- evaluation ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    value: float | None
    at: datetime
    step: int


def monitoring_run(model: DeployedModel) -> MlflowRun | None:
    """The mirrored monitoring run: the one named, else the most recently started run of the link's experiment."""
    link = model.monitoring_link
    if link is None:
        return None
    runs = MlflowRun.objects.filter(server_id=link.server_id, experiment_id=link.experiment_id, deleted=False)
    if model.monitoring_run_id:
        return runs.filter(run_id=model.monitoring_run_id).first()
    return runs.order_by("-start_time", "-pk").first()


def latest_observations(run: MlflowRun, keys: Iterable[str]) -> dict[str, Observation]:
    """The latest point (by time, then step) of each key; the run's latest value when no history is held."""
    keys = set(keys)
    found: dict[str, Observation] = {}
    for point in (
        RunMetricPoint.objects.filter(run=run, key__in=keys).order_by("key", "-timestamp", "-step").distinct("key")
        if _supports_distinct_on()
        else _latest_points_portable(run, keys)
    ):
        found[point.key] = Observation(point.value, _EPOCH + timedelta(milliseconds=point.timestamp), point.step)
    for key in keys - found.keys():
        if key in run.metrics:
            found[key] = Observation(run.metrics[key], run.end_time or run.synced_at, -1)
    return found


def _supports_distinct_on() -> bool:
    from django.db import connection

    return bool(connection.features.can_distinct_on_fields)


def _latest_points_portable(run: MlflowRun, keys: set[str]) -> list[RunMetricPoint]:
    latest: dict[str, RunMetricPoint] = {}
    for point in RunMetricPoint.objects.filter(run=run, key__in=keys).order_by("key", "timestamp", "step"):
        latest[point.key] = point
    return list(latest.values())


def deployed_model_evaluate(model_id: int) -> list[ModelAlert]:
    """Compare the latest production metrics with the thresholds; open an alert per new breach. Returns the
    alerts opened (none when every breach already has an unresolved alert)."""
    model = DeployedModel.objects.select_related("project", "monitoring_link").get(pk=model_id)
    thresholds = list(model.thresholds.all())
    if not model.is_active or not thresholds:
        return []
    run = monitoring_run(model)
    if run is None:
        return []
    observed = latest_observations(run, [row.metric_key for row in thresholds])
    opened = []
    for row in thresholds:
        seen = observed.get(row.metric_key)
        if seen is None or is_healthy(seen.value, row.comparator, row.threshold):
            continue
        alert = _alert_open(model, row, seen)
        if alert is not None:
            opened.append(alert)
    return opened


def _alert_open(model: DeployedModel, row: ProductionThreshold, seen: Observation) -> ModelAlert | None:
    last = ModelAlert.objects.filter(threshold=row).order_by("-raised_at", "-pk").first()
    if last is not None and (last.state != AlertState.RESOLVED or seen.at <= last.observed_at):
        return None  # still handled, or that observation was already answered
    now = timezone.now()
    try:
        with transaction.atomic():
            alert = ModelAlert.objects.create(
                deployed_model=model,
                threshold=row,
                metric_key=row.metric_key,
                observed_value=seen.value,
                threshold_value=row.threshold,
                comparator=row.comparator,
                severity=row.severity,
                observed_at=seen.at,
                raised_at=now,
                owner_id=model.owner_id or model.project.owner_id,
                due_date=alert_due_date(row.severity, now),
            )
            audit_write(
                actor=None,
                action="deployment.alert_raised",
                target=alert,
                project=model.project,
                after={
                    "deployed_model": model.name,
                    "metric_key": row.metric_key,
                    "observed_value": seen.value,
                    "threshold": f"{row.comparator} {row.threshold:g}",
                    "severity": row.severity,
                    "owner_id": alert.owner_id,
                    "due_date": alert.due_date,
                },
            )
    except IntegrityError:  # a concurrent evaluation opened it first (one unresolved alert per threshold)
        return None
    return alert


def deployed_models_evaluate_for_link(link_id: int) -> list[ModelAlert]:
    """Evaluate every active deployed model monitored through this experiment link (after its sync)."""
    opened: list[ModelAlert] = []
    for model_id in DeployedModel.objects.filter(monitoring_link_id=link_id, is_active=True).values_list(
        "pk", flat=True
    ):
        opened += deployed_model_evaluate(model_id)
    return opened


# -- alert handling ------------------------------------------------------------------------------------------


def _locked_alert(actor: Any, alert: ModelAlert) -> tuple[ModelAlert, Project]:
    locked = ModelAlert.objects.select_for_update().select_related("deployed_model__project").get(pk=alert.pk)
    project = locked.deployed_model.project
    if not can_handle_alert(actor, locked, project):
        raise NotAllowed("Only the alert's owner or a project manager handles this alert.")
    return locked, project


def model_alert_acknowledge(*, actor: Any, alert: ModelAlert, note: str = "") -> ModelAlert:
    """The owner has seen it and is working on it."""
    with transaction.atomic():
        alert, project = _locked_alert(actor, alert)
        if alert.state != AlertState.OPEN:
            raise TransitionNotAllowed(f"The alert is {alert.get_state_display().lower()}, not open.")
        alert.state = AlertState.ACKNOWLEDGED
        alert.save(update_fields=["state"])
        audit_write(
            actor=actor,
            action="deployment.alert_acknowledged",
            target=alert,
            project=project,
            before={"state": AlertState.OPEN},
            after={"state": alert.state},
            reason=note[:2000],
        )
    return alert


def model_alert_resolve(*, actor: Any, alert: ModelAlert, resolution: str) -> ModelAlert:
    """Close the action item with what was done (retrained, threshold revised, false alarm...)."""
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed("Say how the alert was resolved.", details={"resolution": "Required."})
    with transaction.atomic():
        alert, project = _locked_alert(actor, alert)
        if alert.state == AlertState.RESOLVED:
            raise TransitionNotAllowed("The alert is already resolved.")
        before = alert.state
        alert.state = AlertState.RESOLVED
        alert.resolved_at = timezone.now()
        alert.resolution = resolution[:5000]
        alert.save(update_fields=["state", "resolved_at", "resolution"])
        audit_write(
            actor=actor,
            action="deployment.alert_resolved",
            target=alert,
            project=project,
            before={"state": before},
            after={"state": alert.state},
            reason=alert.resolution,
        )
    return alert


# -- reading (for the project page and the portfolio's risk health) ------------------------------------------
