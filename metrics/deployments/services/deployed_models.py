"""Deployed models: registration, production thresholds, retrain and revalidation due dates; alerts from
threshold breaches live in `metrics.deployments.services.alerts`.

A deployed model's production metrics are the key metrics of its monitoring experiment link (their full
history is mirrored). After each sync of that link `deployed_models_evaluate_for_link` compares the
latest point of each thresholded metric with its threshold; a breach opens a `ModelAlert`, an action item
with an owner (the model's owner, else the project's owner) and a due date set by severity.

Rules chosen here, once:
- At most one unresolved alert per threshold (a database constraint); re-evaluating a breach that already
  has one changes nothing.
- A new alert needs a new observation: after an alert is resolved, the same breaching point does not
  reopen it; a later breaching point does.
- Recovery does not resolve an alert by itself. Someone confirms the cause and records the resolution
  (the page shows "back within threshold" so the owner knows it may be closed). An automatic close would
  hide a flapping metric and leave no one accountable for the explanation.
- Only the latest point counts: a breach that already recovered before the sync shows on the chart but
  opens no alert.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lifecycle.choices import Phase
from lifecycle.models import Project
from lifecycle.services.audit import audit_write, changed_fields
from metrics.deployments.choices import AlertSeverity
from metrics.deployments.models import DeployedModel, ProductionThreshold
from metrics.mirror.choices import Comparator
from metrics.mirror.models import ExperimentLink, RegisteredModelLink
from metrics.mirror.services.links import experiment_link_set_key_metrics
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portfolio.access import can_manage_deployments, is_member_of

DEPLOYED_PHASES = frozenset({Phase.DEPLOYMENT, Phase.CLOSURE})
# Days an alert owner has to act, by severity (a critical breach is a production incident).
ALERT_DUE_DAYS = {
    AlertSeverity.CRITICAL: 2,
    AlertSeverity.HIGH: 5,
    AlertSeverity.MEDIUM: 10,
    AlertSeverity.LOW: 20,
}
# "Due soon" window for retraining and revalidation: two weeks is enough to plan the work in a sprint.
DUE_SOON_DAYS = 14
HEALTHY: dict[str, Callable[[float, float], bool]] = {
    Comparator.GTE: operator.ge,
    Comparator.GT: operator.gt,
    Comparator.LTE: operator.le,
    Comparator.LT: operator.lt,
}


# -- permissions -----------------------------------------------------------------------------------------


def _check_manage(actor: Any, project: Project) -> None:
    if not can_manage_deployments(actor, project):
        raise NotAllowed("Only the portfolio's project managers and data scientists manage deployed models.")


# -- due dates (pure) ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueStatus:
    """When something is due and where that leaves it today: ok, due_soon, overdue, or unknown."""

    due_on: date | None
    state: str

    @property
    def label(self) -> str:
        return {"ok": "OK", "due_soon": "Due soon", "overdue": "Overdue", "unknown": "Unknown"}[self.state]


def due_status(start: datetime | None, days: int, today: date) -> DueStatus:
    if start is None:
        return DueStatus(None, "unknown")
    due_on = start.date() + timedelta(days=days)
    if due_on < today:
        return DueStatus(due_on, "overdue")
    if due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return DueStatus(due_on, "due_soon")
    return DueStatus(due_on, "ok")


def approval_valid_days(model: DeployedModel) -> int:
    """The model's own validity, else the portal default (setting STAGEGATE_APPROVAL_VALID_DAYS, 365)."""
    if model.approval_valid_days:
        return model.approval_valid_days
    return int(settings.STAGEGATE_APPROVAL_VALID_DAYS)


def retrain_status(model: DeployedModel, today: date | None = None) -> DueStatus:
    """Retraining is due `retrain_every_days` after the last training (the deployment when never retrained)."""
    today = today or timezone.localdate()
    return due_status(model.last_trained_at or model.deployed_at, model.retrain_every_days, today)


def revalidation_status(model: DeployedModel, today: date | None = None) -> DueStatus:
    """The gate approval expires `approval_valid_days` after it was given: then the model needs revalidation."""
    today = today or timezone.localdate()
    return due_status(model.approved_at, approval_valid_days(model), today)


def is_healthy(value: float | None, comparator: str, threshold: float) -> bool:
    """A missing (not finite) value counts as a breach: the monitoring could not vouch for the model."""
    return value is not None and HEALTHY[comparator](value, threshold)


def alert_due_date(severity: str, raised: datetime) -> date:
    return timezone.localdate(raised) + timedelta(days=ALERT_DUE_DAYS.get(AlertSeverity(severity), 5))


# -- registration ------------------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "name",
    "model_link",
    "model_version",
    "monitoring_link",
    "monitoring_run_id",
    "owner",
    "deployed_at",
    "last_trained_at",
    "retrain_every_days",
    "approved_at",
    "approval_valid_days",
    "is_active",
)


_FOREIGN_KEYS = frozenset({"model_link", "monitoring_link", "owner"})


def _state(model: DeployedModel) -> dict[str, Any]:
    return {name: getattr(model, f"{name}_id" if name in _FOREIGN_KEYS else name) for name in EDITABLE_FIELDS}


def _validate(project: Project, fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if "name" in fields:
        fields["name"] = str(fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = "Required."
        elif len(fields["name"]) > 200:
            errors["name"] = "At most 200 characters."
    model_link = fields.get("model_link")
    if isinstance(model_link, RegisteredModelLink) and model_link.project_id != project.pk:
        errors["model_link"] = "Not a model linked to this project."
    monitoring_link = fields.get("monitoring_link")
    if isinstance(monitoring_link, ExperimentLink) and monitoring_link.project_id != project.pk:
        errors["monitoring_link"] = "Not an experiment linked to this project."
    run_id = str(fields.get("monitoring_run_id") or "").strip()
    if "monitoring_run_id" in fields:
        fields["monitoring_run_id"] = run_id
        if len(run_id) > 64:
            errors["monitoring_run_id"] = "At most 64 characters."
    owner = fields.get("owner")
    if owner is not None and not is_member_of(owner.pk, project.portfolio_id):
        errors["owner"] = "The owner must hold a role in the project's portfolio."
    for name in ("retrain_every_days", "approval_valid_days"):
        value = fields.get(name)
        if value is not None and not 1 <= int(value) <= 3650:
            errors[name] = "Between 1 and 3650 days."
    if fields.get("model_version") is not None and int(fields["model_version"]) < 1:
        errors["model_version"] = "A version number starts at 1."
    if errors:
        raise ValidationFailed("Invalid deployed model.", details=errors)


def deployed_model_register(*, actor: Any, project: Project, **fields: Any) -> DeployedModel:
    """Register a model in production for a project in deployment or closure. Unset `deployed_at` means
    now; unset `approved_at` takes the deployment time (the approval that let it go live)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", details={name: "Unknown." for name in sorted(unknown)})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _check_manage(actor, project)
        if project.phase not in DEPLOYED_PHASES:
            raise TransitionNotAllowed("Models are registered as deployed in the deployment or closure phase.")
        fields.setdefault("name", "")
        _validate(project, fields)
        fields["deployed_at"] = fields.get("deployed_at") or timezone.now()
        fields["approved_at"] = fields.get("approved_at") or fields["deployed_at"]
        if DeployedModel.objects.filter(project=project, name=fields["name"]).exists():
            raise ValidationFailed("A deployed model with this name exists.", details={"name": "Taken."})
        model = DeployedModel.objects.create(project=project, **fields)
        audit_write(actor=actor, action="deployment.registered", target=model, project=project, after=_state(model))
    return model


def deployed_model_update(*, actor: Any, model: DeployedModel, **fields: Any) -> DeployedModel:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", details={name: "Unknown." for name in sorted(unknown)})
    with transaction.atomic():
        model = DeployedModel.objects.select_for_update().select_related("project").get(pk=model.pk)
        _check_manage(actor, model.project)
        _validate(model.project, fields)
        if "deployed_at" in fields and fields["deployed_at"] is None:
            raise ValidationFailed("Deployment time is required.", details={"deployed_at": "Required."})
        name = fields.get("name", model.name)
        if DeployedModel.objects.filter(project=model.project, name=name).exclude(pk=model.pk).exists():
            raise ValidationFailed("A deployed model with this name exists.", details={"name": "Taken."})
        before = _state(model)
        for name_, value in fields.items():
            setattr(model, name_, value)
        model.save()
        changed_before, changed_after = changed_fields(before, _state(model))
        if changed_after:
            audit_write(
                actor=actor,
                action="deployment.updated",
                target=model,
                project=model.project,
                before=changed_before,
                after=changed_after,
            )
    return model


# -- thresholds ----------------------------------------------------------------------------------------------


def production_threshold_set(
    *,
    actor: Any,
    model: DeployedModel,
    metric_key: str,
    comparator: str,
    threshold: float,
    severity: str = AlertSeverity.HIGH,
) -> ProductionThreshold:
    """Create or change the threshold of one production metric; the metric becomes a key metric of the
    monitoring link so its full history is mirrored."""
    metric_key = (metric_key or "").strip()
    errors: dict[str, str] = {}
    if not metric_key or len(metric_key) > 250:
        errors["metric_key"] = "A metric key of 1 to 250 characters."
    if comparator not in Comparator.values:
        errors["comparator"] = f"One of {', '.join(Comparator.values)}."
    if severity not in AlertSeverity.values:
        errors["severity"] = f"One of {', '.join(AlertSeverity.values)}."
    try:
        threshold = float(threshold)
        if threshold != threshold or threshold in (float("inf"), float("-inf")):
            raise ValueError
    except (TypeError, ValueError):
        errors["threshold"] = "A finite number."
    if errors:
        raise ValidationFailed("Invalid threshold.", details=errors)
    with transaction.atomic():
        model = (
            DeployedModel.objects.select_for_update(of=("self",))
            .select_related("project", "monitoring_link")
            .get(pk=model.pk)
        )
        _check_manage(actor, model.project)
        existing = ProductionThreshold.objects.filter(deployed_model=model, metric_key=metric_key).first()
        before = None if existing is None else _threshold_state(existing)
        row, _ = ProductionThreshold.objects.update_or_create(
            deployed_model=model,
            metric_key=metric_key,
            defaults={"comparator": comparator, "threshold": threshold, "severity": severity},
        )
        after = _threshold_state(row)
        if before != after:
            audit_write(
                actor=actor,
                action="deployment.threshold_set",
                target=row,
                project=model.project,
                before=before,
                after=after,
            )
        link = model.monitoring_link
        if link is not None and metric_key not in (link.key_metrics or []):
            experiment_link_set_key_metrics(actor=actor, link=link, key_metrics=[*(link.key_metrics or []), metric_key])
    return row


def _threshold_state(row: ProductionThreshold) -> dict[str, Any]:
    return {
        "metric_key": row.metric_key,
        "comparator": row.comparator,
        "threshold": row.threshold,
        "severity": row.severity,
    }
