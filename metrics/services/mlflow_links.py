"""Linking projects to MLflow experiments and registered models, and the default tracking server.

A link is validated against the server through the gateway before it is written (the experiment or
model must exist and not be deleted), so a link always names something real. Project managers and data
scientists of the project's portfolio manage links; every change is audited in its transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from portal.exceptions import NotAllowed, ValidationFailed
from portfolio.access import can_edit_project, roles_in
from portfolio.choices import Role

from ..models import ExperimentLink, RegisteredModelLink, TrackingServer

DEFAULT_SERVER_NAME = "default"
MAX_KEY_METRICS = 20


def tracking_server_default() -> TrackingServer | None:
    """The server marked default; created from `settings.MLFLOW_TRACKING_URI` (MLflow's standard credential
    variables) the first time it is asked for. None when neither exists."""
    server = TrackingServer.objects.filter(is_default=True).first()
    if server is not None or not settings.MLFLOW_TRACKING_URI:
        return server
    from metrics.mlflow import MlflowRequestRejected, validate_tracking_uri

    try:
        uri = validate_tracking_uri(settings.MLFLOW_TRACKING_URI)
    except MlflowRequestRejected as exc:
        raise ValidationFailed(f"MLFLOW_TRACKING_URI: {exc.message}") from exc
    try:
        with transaction.atomic():
            server, _ = TrackingServer.objects.get_or_create(
                name=DEFAULT_SERVER_NAME,
                defaults={
                    "uri": uri,
                    "is_default": not TrackingServer.objects.filter(is_default=True).exists(),
                    "username_env": "MLFLOW_TRACKING_USERNAME",
                    "password_env": "MLFLOW_TRACKING_PASSWORD",
                    "token_env": "MLFLOW_TRACKING_TOKEN",
                },
            )
    except IntegrityError:  # another process created it (or another default) at the same moment
        server = TrackingServer.objects.filter(is_default=True).first()
    return server


def can_link_mlflow(user: Any, project: Project) -> bool:
    """Project managers and data scientists of the portfolio (superusers too, through can_edit_project)."""
    if can_edit_project(user, project):
        return True
    return bool(user.is_authenticated and Role.DATA_SCIENTIST in roles_in(user, project.portfolio_id))


def _check_allowed(actor: Any, project: Project) -> None:
    if not can_link_mlflow(actor, project):
        raise NotAllowed("Only the portfolio's project managers and data scientists link MLflow to a project.")


def _server_or_default(server: TrackingServer | None) -> TrackingServer:
    server = server or tracking_server_default()
    if server is None:
        raise ValidationFailed("No MLflow tracking server is configured.", details={"server": "Required."})
    return server


def _clean_key_metrics(key_metrics: Iterable[str]) -> list[str]:
    keys = sorted({str(key).strip() for key in key_metrics if str(key).strip()})
    if len(keys) > MAX_KEY_METRICS:
        raise ValidationFailed(
            f"At most {MAX_KEY_METRICS} key metrics per experiment.", details={"key_metrics": "Too many."}
        )
    if bad := [key for key in keys if len(key) > 250]:
        raise ValidationFailed("Metric keys are at most 250 characters.", details={"key_metrics": bad[:3]})
    return keys


def _mlflow_refused(exc: Exception, field: str) -> ValidationFailed:
    from metrics.mlflow import MlflowError, MlflowNotFound

    assert isinstance(exc, MlflowError)
    if isinstance(exc, MlflowNotFound):
        return ValidationFailed(exc.message, details={field: "Not found in MLflow."})
    return ValidationFailed(f"Could not check with MLflow: {exc.message}", details={field: "Not verified."})


def experiment_link_create(
    *,
    actor: Any,
    project: Project,
    server: TrackingServer | None = None,
    experiment_id: str = "",
    experiment_name: str = "",
    key_metrics: Iterable[str] = (),
) -> ExperimentLink:
    """Link an experiment given by id or by name (exactly one), after checking it exists in MLflow."""
    from metrics.mlflow import MlflowError

    _check_allowed(actor, project)
    server = _server_or_default(server)
    experiment_id, experiment_name = str(experiment_id or "").strip(), (experiment_name or "").strip()
    if bool(experiment_id) == bool(experiment_name):
        raise ValidationFailed("Give an experiment id or a name.", details={"experiment": "Required."})
    keys = _clean_key_metrics(key_metrics)
    try:  # network first, outside the transaction
        gateway = server.gateway()
        found = (
            gateway.get_experiment(experiment_id) if experiment_id else gateway.get_experiment_by_name(experiment_name)
        )
    except MlflowError as exc:
        raise _mlflow_refused(exc, "experiment") from exc
    if found.deleted:
        raise ValidationFailed(f"Experiment {found.name!r} is deleted in MLflow.", details={"experiment": "Deleted."})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if ExperimentLink.objects.filter(project=project, server=server, experiment_id=found.experiment_id).exists():
            raise ValidationFailed(
                f"Experiment {found.name!r} is already linked to {project.code}.", details={"experiment": "Linked."}
            )
        link = ExperimentLink.objects.create(
            project=project, server=server, experiment_id=found.experiment_id, name=found.name, key_metrics=keys
        )
        audit_write(
            actor=actor,
            action="mlflow.experiment_linked",
            target=link,
            project=project,
            after={"server": server.name, "experiment_id": link.experiment_id, "name": link.name, "key_metrics": keys},
        )
    return link


def experiment_link_set_key_metrics(*, actor: Any, link: ExperimentLink, key_metrics: Iterable[str]) -> ExperimentLink:
    """Change the metrics whose history is pulled; new keys make the next sync revisit every run."""
    with transaction.atomic():
        link = ExperimentLink.objects.select_for_update().select_related("project").get(pk=link.pk)
        _check_allowed(actor, link.project)
        keys = _clean_key_metrics(key_metrics)
        before = list(link.key_metrics)
        if keys == before:
            return link
        link.key_metrics = keys
        fields = ["key_metrics"]
        if set(keys) - set(before):  # histories of the added keys exist for old runs too: full pass
            link.watermark_end_time_ms = None
            fields.append("watermark_end_time_ms")
        link.save(update_fields=fields)
        audit_write(
            actor=actor,
            action="mlflow.key_metrics_changed",
            target=link,
            project=link.project,
            before={"key_metrics": before},
            after={"key_metrics": keys},
        )
    return link


def experiment_link_delete(*, actor: Any, link: ExperimentLink, reason: str = "") -> None:
    """Unlink. Synced runs stay (other links or gate evidence may use them)."""
    with transaction.atomic():
        link = ExperimentLink.objects.select_for_update().select_related("project", "server").get(pk=link.pk)
        _check_allowed(actor, link.project)
        audit_write(
            actor=actor,
            action="mlflow.experiment_unlinked",
            target=link,
            project=link.project,
            before={"server": link.server.name, "experiment_id": link.experiment_id, "name": link.name},
            reason=reason,
        )
        link.delete()


def model_link_create(
    *, actor: Any, project: Project, model_name: str, server: TrackingServer | None = None
) -> RegisteredModelLink:
    """Link a registered model by name, after checking it exists in MLflow."""
    from metrics.mlflow import MlflowError

    _check_allowed(actor, project)
    server = _server_or_default(server)
    model_name = (model_name or "").strip()
    if not model_name:
        raise ValidationFailed("Give a registered model name.", details={"model_name": "Required."})
    try:
        found = server.gateway().get_registered_model(model_name)
    except MlflowError as exc:
        raise _mlflow_refused(exc, "model_name") from exc
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if RegisteredModelLink.objects.filter(project=project, server=server, model_name=found.name).exists():
            raise ValidationFailed(
                f"Model {found.name!r} is already linked to {project.code}.", details={"model_name": "Linked."}
            )
        link = RegisteredModelLink.objects.create(project=project, server=server, model_name=found.name)
        audit_write(
            actor=actor,
            action="mlflow.model_linked",
            target=link,
            project=project,
            after={"server": server.name, "model_name": link.model_name},
        )
    return link


def model_link_delete(*, actor: Any, link: RegisteredModelLink, reason: str = "") -> None:
    with transaction.atomic():
        link = RegisteredModelLink.objects.select_for_update().select_related("project", "server").get(pk=link.pk)
        _check_allowed(actor, link.project)
        audit_write(
            actor=actor,
            action="mlflow.model_unlinked",
            target=link,
            project=link.project,
            before={"server": link.server.name, "model_name": link.model_name},
            reason=reason,
        )
        link.delete()
