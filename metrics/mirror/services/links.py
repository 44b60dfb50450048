"""Linking projects to MLflow experiments and registered models, and the default tracking server.

A link is validated against the server through the gateway before it is written (the experiment or
model must exist and not be deleted), so a link always names something real. Project managers and data
scientists of the project's portfolio manage links; every change is audited in its transaction.

Isolation: a project uses only servers granted to its portfolio (`TrackingServer.portfolios`; an empty set
grants none), and an experiment or registered model already linked to a project the actor cannot see is
refused as if it did not exist (`MlflowItemHidden`, a 404), before anything is written and before its name,
state or any other detail is told. Browsing leaves such items out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from lifecycle.models import Project
from lifecycle.services.audit import audit_write, changed_fields
from metrics.mirror.models import ExperimentLink, RegisteredModelLink, TrackingServer
from metrics.mirror.selectors import experiment_ids_hidden_from, model_names_hidden_from, tracking_servers_for
from portal.exceptions import DomainError, NotAllowed, ValidationFailed
from portfolio.access import can_link_mlflow
from portfolio.models import Portfolio

DEFAULT_SERVER_NAME = "default"
MAX_KEY_METRICS = 20


class MlflowItemHidden(DomainError):
    """The experiment or registered model is linked to a project the actor cannot see: answered as not found."""

    status_code = 404
    code = "not_found"


def tracking_server_default() -> TrackingServer | None:
    """The server marked default; created from `settings.MLFLOW_TRACKING_URI` (MLflow's standard credential
    variables) the first time it is asked for, granted to every portfolio that exists then (the operator
    configured it for the whole installation; staff grant portfolios created later). None when neither exists."""
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
            server, created = TrackingServer.objects.get_or_create(
                name=DEFAULT_SERVER_NAME,
                defaults={
                    "uri": uri,
                    "is_default": not TrackingServer.objects.filter(is_default=True).exists(),
                    "username_env": "MLFLOW_TRACKING_USERNAME",
                    "password_env": "MLFLOW_TRACKING_PASSWORD",
                    "token_env": "MLFLOW_TRACKING_TOKEN",
                },
            )
            if created:
                server.portfolios.set(Portfolio.objects.all())
    except IntegrityError:  # another process created it (or another default) at the same moment
        server = TrackingServer.objects.filter(is_default=True).first()
    return server


def _check_allowed(actor: Any, project: Project) -> None:
    if not can_link_mlflow(actor, project):
        raise NotAllowed("Only the portfolio's project managers and data scientists link MLflow to a project.")


def tracking_server_for_project(project: Project) -> TrackingServer | None:
    """The server a project's pages preselect and its links use when none is given: the default server if the
    project's portfolio may use it, else the first server granted to the portfolio; None when none is."""
    default = tracking_server_default()
    granted = tracking_servers_for(project)
    if default is not None and granted.filter(pk=default.pk).exists():
        return default
    return granted.first()


def _usable_server(project: Project, server: TrackingServer | None) -> TrackingServer:
    """`server` if the project's portfolio may use it (else refused like an unknown id), or the project's default."""
    if server is None:
        found = tracking_server_for_project(project)
        if found is None:
            raise ValidationFailed(
                "No MLflow tracking server is available to this portfolio.", details={"server": "Required."}
            )
        return found
    if not tracking_servers_for(project).filter(pk=server.pk).exists():
        raise ValidationFailed("No such tracking server.", details={"server": "Not found."})
    return server


def _hidden(kind: str) -> MlflowItemHidden:
    return MlflowItemHidden(f"No such {kind} on this tracking server.")


def _refuse_hidden_experiment(actor: Any, server: TrackingServer, experiment_id: str) -> None:
    if experiment_id in experiment_ids_hidden_from(actor, server):
        raise _hidden("experiment")


def _refuse_hidden_model(actor: Any, server: TrackingServer, model_name: str) -> None:
    if model_name in model_names_hidden_from(actor, server):
        raise _hidden("registered model")


def _lock_server(server: TrackingServer) -> None:
    """Serialize the links made on one server, so two portfolios cannot both claim an experiment at once."""
    list(TrackingServer.objects.select_for_update().filter(pk=server.pk).values_list("pk", flat=True))


def _clean_key_metrics(key_metrics: Iterable[str]) -> list[str]:
    keys = sorted({str(key).strip() for key in key_metrics if str(key).strip()})
    if len(keys) > MAX_KEY_METRICS:
        raise ValidationFailed(
            f"At most {MAX_KEY_METRICS} key metrics per experiment.", details={"key_metrics": "Too many."}
        )
    if bad := [key for key in keys if len(key) > 250]:
        raise ValidationFailed("Metric keys are at most 250 characters.", details={"key_metrics": bad[:3]})
    return keys


def _mlflow_refused(exc: Exception, field: str, kind: str) -> DomainError:
    from metrics.mlflow import MlflowError, MlflowNotFound

    assert isinstance(exc, MlflowError)
    if isinstance(exc, MlflowNotFound):
        # The same answer as for an item linked in a portfolio the actor cannot see: a missing item and a hidden
        # one must not be told apart, or probing names would reveal what other portfolios link.
        return _hidden(kind)
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
    server = _usable_server(project, server)
    experiment_id, experiment_name = str(experiment_id or "").strip(), (experiment_name or "").strip()
    if bool(experiment_id) == bool(experiment_name):
        raise ValidationFailed("Give an experiment id or a name.", details={"experiment": "Required."})
    keys = _clean_key_metrics(key_metrics)
    try:  # network first, outside the transaction
        gateway = _interactive_gateway(server)
        found = (
            gateway.get_experiment(experiment_id) if experiment_id else gateway.get_experiment_by_name(experiment_name)
        )
    except MlflowError as exc:
        raise _mlflow_refused(exc, "experiment", "experiment") from exc
    _refuse_hidden_experiment(actor, server, found.experiment_id)  # before its name or state is told
    if found.deleted:
        raise ValidationFailed(f"Experiment {found.name!r} is deleted in MLflow.", details={"experiment": "Deleted."})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _lock_server(server)
        _refuse_hidden_experiment(actor, server, found.experiment_id)  # linked meanwhile by someone else
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
    server = _usable_server(project, server)
    model_name = (model_name or "").strip()
    if not model_name:
        raise ValidationFailed("Give a registered model name.", details={"model_name": "Required."})
    try:
        found = _interactive_gateway(server).get_registered_model(model_name)
    except MlflowError as exc:
        raise _mlflow_refused(exc, "model_name", "registered model") from exc
    _refuse_hidden_model(actor, server, found.name)
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        _lock_server(server)
        _refuse_hidden_model(actor, server, found.name)
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


# -- tracking servers (staff) ------------------------------------------------------------------------------

# POSIX environment variable names: the row holds the name of a secret, never the secret itself.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
SERVER_FIELDS = ("name", "uri", "username_env", "password_env", "token_env", "timeout_s", "max_retries", "is_default")


def _server_state(server: TrackingServer) -> dict[str, Any]:
    state = {name: getattr(server, name) for name in SERVER_FIELDS}
    state["portfolios"] = sorted(server.portfolios.values_list("pk", flat=True)) if server.pk else []
    return state


def _portfolio_ids(given: Iterable[Any], errors: dict[str, str]) -> list[int]:
    ids = sorted({item.pk if isinstance(item, Portfolio) else int(item) for item in given})
    if len(set(Portfolio.objects.filter(pk__in=ids).values_list("pk", flat=True))) != len(ids):
        errors["portfolios"] = "Unknown portfolio."
    return ids


def tracking_server_save(
    *, actor: Any, server: TrackingServer | None = None, portfolios: Iterable[Any] | None = None, **fields: Any
) -> TrackingServer:
    """Create (server=None) or change a tracking server. Staff only; audited without a project.

    Only the names of credential variables are accepted; making a server the default takes the mark
    from the previous default in the same transaction. `portfolios` (rows or ids) replaces the portfolios
    that may use the server; None leaves them as they are (a new server then serves no portfolio)."""
    from metrics.mlflow import MlflowRequestRejected, validate_tracking_uri

    if not (getattr(actor, "is_staff", False) or getattr(actor, "is_superuser", False)):
        raise NotAllowed("Only staff register MLflow tracking servers.")
    unknown = set(fields) - set(SERVER_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown server fields.", details={name: "Unknown." for name in sorted(unknown)})
    errors: dict[str, str] = {}
    if "name" in fields:
        fields["name"] = str(fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = "Required."
    if "uri" in fields:
        try:
            fields["uri"] = validate_tracking_uri(str(fields["uri"] or ""))
        except MlflowRequestRejected as exc:
            errors["uri"] = exc.message
    for name in ("username_env", "password_env", "token_env"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
            if fields[name] and not _ENV_NAME.fullmatch(fields[name]):
                errors[name] = "The NAME of an environment variable (letters, digits, underscores), not a secret."
    if "timeout_s" in fields and not 1 <= int(fields["timeout_s"]) <= 600:
        errors["timeout_s"] = "Between 1 and 600 seconds."
    if "max_retries" in fields and not 0 <= int(fields["max_retries"]) <= 10:
        errors["max_retries"] = "Between 0 and 10."
    portfolio_ids = None if portfolios is None else _portfolio_ids(portfolios, errors)
    if errors:
        raise ValidationFailed("Invalid tracking server.", details=errors)
    with transaction.atomic():
        before: dict[str, Any] | None = None
        if server is None:
            server = TrackingServer(**fields)
        else:
            server = TrackingServer.objects.select_for_update().get(pk=server.pk)
            before = _server_state(server)
            for name, value in fields.items():
                setattr(server, name, value)
        if TrackingServer.objects.exclude(pk=server.pk).filter(name=server.name).exists():
            raise ValidationFailed("A server with this name exists.", details={"name": "Taken."})
        if server.is_default:
            TrackingServer.objects.exclude(pk=server.pk).filter(is_default=True).update(is_default=False)
        server.save()
        if portfolio_ids is not None:
            server.portfolios.set(portfolio_ids)
        after = _server_state(server)
        if before is not None:
            before, after = changed_fields(before, after)
        audit_write(actor=actor, action="mlflow.server_saved", target=server, project=None, before=before, after=after)
    return server


# -- sync now ----------------------------------------------------------------------------------------------


# -- browsing a server (for "link an experiment / a model") ---------------------------------------------------

BROWSE_LIMIT = 50


@dataclass(frozen=True)
class BrowseResult:
    """Up to `BROWSE_LIMIT` matches; `more` when MLflow had further ones; `error` when it could not answer."""

    items: list[Any] = field(default_factory=list)
    more: bool = False
    error: str = ""


# Linking and browsing answer a person waiting on a page: fail fast rather than spend the workers' retry budget.
BROWSE_TIMEOUT_S = 10
BROWSE_MAX_RETRIES = 1


def _interactive_gateway(server: TrackingServer) -> Any:
    from metrics.mlflow import HttpPolicy, MlflowGateway

    policy = HttpPolicy(
        timeout_s=max(1, min(server.timeout_s, BROWSE_TIMEOUT_S)),
        max_retries=min(server.max_retries, BROWSE_MAX_RETRIES),
        backoff_factor=0,
        backoff_jitter=0.0,
    )
    return MlflowGateway(server.uri, credentials=server.credentials(), policy=policy)


def _like(query: str) -> str:
    from metrics.mlflow.client import quote_filter_value

    return quote_filter_value(f"%{query}%")


def mlflow_experiments_browse(
    *, actor: Any, project: Project, server: TrackingServer, query: str = "", limit: int = BROWSE_LIMIT
) -> BrowseResult:
    """Active experiments whose name contains `query` (case-insensitive), newest MLflow page order, that the
    actor may link to the project: on a server of its portfolio, and not linked to a project they cannot see."""
    from metrics.mlflow import MlflowError

    if not tracking_servers_for(project).filter(pk=server.pk).exists():
        return BrowseResult(error="No such tracking server.")
    hidden = experiment_ids_hidden_from(actor, server)
    query = query.strip()[:200]
    try:
        gateway = _interactive_gateway(server)
        filter_string = f"name ILIKE {_like(query)}" if query else None
        offered = (
            item
            for item in gateway.iter_experiments(filter_string=filter_string, page_size=limit + 1)
            if item.experiment_id not in hidden
        )
        found = list(islice(offered, limit + 1))
    except MlflowError as exc:
        return BrowseResult(error=exc.message)
    return BrowseResult(items=found[:limit], more=len(found) > limit)


def mlflow_models_browse(
    *, actor: Any, project: Project, server: TrackingServer, query: str = "", limit: int = BROWSE_LIMIT
) -> BrowseResult:
    """Registered models whose name contains `query` (case-insensitive) that the actor may link to the project
    (same rule as experiments)."""
    from metrics.mlflow import MlflowError

    if not tracking_servers_for(project).filter(pk=server.pk).exists():
        return BrowseResult(error="No such tracking server.")
    hidden = model_names_hidden_from(actor, server)
    query = query.strip()[:200]
    try:
        gateway = _interactive_gateway(server)
        filter_string = f"name ILIKE {_like(query)}" if query else None
        offered = (
            item
            for item in gateway.iter_registered_models(filter_string=filter_string, page_size=limit + 1)
            if item.name not in hidden
        )
        found = list(islice(offered, limit + 1))
    except MlflowError as exc:
        return BrowseResult(error=exc.message)
    return BrowseResult(items=found[:limit], more=len(found) > limit)
