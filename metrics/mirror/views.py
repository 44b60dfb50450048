"""The project's MLflow section: its experiment and model links, browsing a server to link more, key
metrics, unlinking, and "sync now" with a polled progress fragment.

GET pages never call MLflow: they show the mirror with its sync time, last error and a stale badge, so
they keep serving while MLflow is down. Only the browse fragments talk to MLflow, and they turn an outage
into a message inside the fragment.

Only the servers granted to the project's portfolio are offered; browsing leaves out what is linked to a
project the user cannot see, and linking such an item answers 404 (`links.MlflowItemHidden`), exactly as linking
one that does not exist.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from lifecycle.models import Project
from lifecycle.views.common import visible_project
from metrics.mirror import requests as sync_requests
from metrics.mirror.forms import ExperimentLinkForm, ModelLinkForm, split_keys
from metrics.mirror.models import ExperimentLink, MlflowRun, ModelVersionMirror, RegisteredModelLink, TrackingServer
from metrics.mirror.selectors import tracking_servers_for
from metrics.mirror.services import links
from portal.exceptions import DomainError
from portfolio.access import can_edit_project, can_link_mlflow

KINDS: dict[str, type[ExperimentLink] | type[RegisteredModelLink]] = {
    "experiments": ExperimentLink,
    "models": RegisteredModelLink,
}
KNOWN_KEYS_FROM_RUNS = 200  # metric keys offered as key-metric choices come from this many recent runs


def _linkable_project(request: HttpRequest, pk: int) -> Project:
    project = visible_project(request.user, pk)
    if not can_link_mlflow(request.user, project):
        raise PermissionDenied("Only the portfolio's project managers and data scientists link MLflow.")
    return project


def _link(project: Project, kind: str, link_pk: int) -> ExperimentLink | RegisteredModelLink:
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    return cast(
        ExperimentLink | RegisteredModelLink,
        get_object_or_404(model.objects.select_related("server"), project=project, pk=link_pk),
    )


def _default_server(project: Project) -> tuple[TrackingServer | None, str]:
    try:
        return links.tracking_server_for_project(project), ""
    except DomainError as error:
        return None, error.message


def _chosen_server(request: HttpRequest, project: Project) -> TrackingServer | None:
    """The server asked for, among those of the project's portfolio (another id finds none), or the default."""
    raw = request.GET.get("server") or request.POST.get("server")
    if raw and raw.isdigit() and len(raw) < 19:
        return tracking_servers_for(project).filter(pk=int(raw)).first()
    return _default_server(project)[0]


def _known_metric_keys(link: ExperimentLink) -> list[str]:
    metrics = MlflowRun.objects.filter(server_id=link.server_id, experiment_id=link.experiment_id).order_by(
        "-start_time"
    )[:KNOWN_KEYS_FROM_RUNS]
    keys: set[str] = set(link.key_metrics or [])
    for row in metrics.values_list("metrics", flat=True):
        keys.update(row or {})
    return sorted(keys)


def _experiment_rows(project: Project) -> list[dict[str, Any]]:
    experiment_links = list(project.experiment_links.select_related("server"))
    counts = {
        (row["server_id"], row["experiment_id"]): row["n"]
        for row in MlflowRun.objects.filter(
            server_id__in={link.server_id for link in experiment_links},
            experiment_id__in={link.experiment_id for link in experiment_links},
            deleted=False,
        )
        .values("server_id", "experiment_id")
        .annotate(n=Count("pk"))
    }
    return [
        {
            "link": link,
            "runs": counts.get((link.server_id, link.experiment_id), 0),
            "known_keys": _known_metric_keys(link),
            **_sync_row(project, "experiments", link),
        }
        for link in experiment_links
    ]


def _sync_row(project: Project, kind: str, link: ExperimentLink | RegisteredModelLink) -> dict[str, Any]:
    return {
        "busy": sync_requests.link_sync_busy(link),
        "status_url": reverse("mlflow-link-status", args=[project.pk, kind, link.pk]),
    }


def _model_rows(project: Project) -> list[dict[str, Any]]:
    model_links = list(project.model_links.select_related("server"))
    counts = {
        (row["server_id"], row["model_name"]): row["n"]
        for row in ModelVersionMirror.objects.filter(
            server_id__in={link.server_id for link in model_links},
            model_name__in={link.model_name for link in model_links},
            deleted=False,
        )
        .values("server_id", "model_name")
        .annotate(n=Count("pk"))
    }
    return [
        {
            "link": link,
            "versions": counts.get((link.server_id, link.model_name), 0),
            **_sync_row(project, "models", link),
        }
        for link in model_links
    ]


def _page(
    request: HttpRequest,
    project: Project,
    *,
    experiment_form: ExperimentLinkForm | None = None,
    model_form: ModelLinkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    server, server_error = _default_server(project)
    servers = list(tracking_servers_for(project))
    context = {
        "project": project,
        "active_tab": "mlflow",
        "can_edit": can_edit_project(request.user, project),
        "can_link": can_link_mlflow(request.user, project),
        "experiment_rows": _experiment_rows(project),
        "model_rows": _model_rows(project),
        "servers": servers,
        "default_server": server,
        "server_error": server_error,
        "experiment_form": experiment_form or ExperimentLinkForm(project=project, initial={"server": server}),
        "model_form": model_form or ModelLinkForm(project=project, initial={"server": server}),
    }
    return render(request, "metrics/mlflow/project_mlflow.html", context, status=status)


@login_required
@require_GET
def project_mlflow(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, visible_project(request.user, pk))


@login_required
@require_GET
def browse_experiments(request: HttpRequest, pk: int) -> HttpResponse:
    project = _linkable_project(request, pk)
    server = _chosen_server(request, project)
    query = request.GET.get("q", "")
    result = (
        links.mlflow_experiments_browse(actor=request.user, project=project, server=server, query=query)
        if server
        else None
    )
    linked = set(project.experiment_links.values_list("server_id", "experiment_id"))
    server_id = server.pk if server else None
    rows = [
        {"item": item, "linked": (server_id, item.experiment_id) in linked} for item in (result.items if result else [])
    ]
    return render(
        request,
        "metrics/mlflow/_browse_experiments.html",
        {"project": project, "server": server, "query": query, "result": result, "rows": rows},
    )


@login_required
@require_GET
def browse_models(request: HttpRequest, pk: int) -> HttpResponse:
    project = _linkable_project(request, pk)
    server = _chosen_server(request, project)
    query = request.GET.get("q", "")
    result = (
        links.mlflow_models_browse(actor=request.user, project=project, server=server, query=query) if server else None
    )
    linked = set(project.model_links.values_list("server_id", "model_name"))
    server_id = server.pk if server else None
    rows = [{"item": item, "linked": (server_id, item.name) in linked} for item in (result.items if result else [])]
    return render(
        request,
        "metrics/mlflow/_browse_models.html",
        {"project": project, "server": server, "query": query, "result": result, "rows": rows},
    )


@login_required
@require_POST
def experiment_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _linkable_project(request, pk)
    form = ExperimentLinkForm(request.POST, project=project)
    if not form.is_valid():
        return _page(request, project, experiment_form=form, status=422)
    data = form.cleaned_data
    try:
        link = links.experiment_link_create(
            actor=request.user,
            project=project,
            server=data["server"],
            experiment_id=data["experiment_id"],
            experiment_name=data["experiment_name"],
            key_metrics=split_keys(data["key_metrics"]),
        )
    except links.MlflowItemHidden as missing:  # missing, or linked where the user cannot see: told apart nowhere
        form.add_error(None, missing.message)
        return _page(request, project, experiment_form=form, status=404)
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, project, experiment_form=form, status=422)
    messages.success(request, f"Experiment {link.name!r} linked. Use “Sync now” to pull its runs.")
    return redirect("project-mlflow", pk=project.pk)


@login_required
@require_POST
def model_link_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _linkable_project(request, pk)
    form = ModelLinkForm(request.POST, project=project)
    if not form.is_valid():
        return _page(request, project, model_form=form, status=422)
    try:
        link = links.model_link_create(
            actor=request.user,
            project=project,
            server=form.cleaned_data["server"],
            model_name=form.cleaned_data["model_name"],
        )
    except links.MlflowItemHidden as missing:  # missing, or linked where the user cannot see: told apart nowhere
        form.add_error(None, missing.message)
        return _page(request, project, model_form=form, status=404)
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, project, model_form=form, status=422)
    messages.success(request, f"Registered model {link.model_name!r} linked.")
    return redirect("project-mlflow", pk=project.pk)


@login_required
@require_POST
def experiment_link_key_metrics(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    project = _linkable_project(request, pk)
    link = _link(project, "experiments", link_pk)
    assert isinstance(link, ExperimentLink)
    keys = request.POST.getlist("key") + split_keys(request.POST.get("extra", "")[:5000])
    try:
        links.experiment_link_set_key_metrics(actor=request.user, link=link, key_metrics=keys)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Key metrics of {link.name!r} saved.")
    return redirect("project-mlflow", pk=project.pk)


@login_required
@require_POST
def link_delete(request: HttpRequest, pk: int, kind: str, link_pk: int) -> HttpResponse:
    project = _linkable_project(request, pk)
    link = _link(project, kind, link_pk)
    reason = request.POST.get("reason", "")[:2000]
    try:
        if isinstance(link, ExperimentLink):
            links.experiment_link_delete(actor=request.user, link=link, reason=reason)
        else:
            links.model_link_delete(actor=request.user, link=link, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{link_label(link)} unlinked; its synced data stays.")
    return redirect("project-mlflow", pk=project.pk)


def link_label(link: ExperimentLink | RegisteredModelLink) -> str:
    if isinstance(link, ExperimentLink):
        return f"Experiment {link.name or link.experiment_id!r}"
    return f"Model {link.model_name!r}"


def _status(request: HttpRequest, project: Project, kind: str, link: Any, *, note: str = "") -> HttpResponse:
    link.refresh_from_db()
    context = {
        "project": project,
        "kind": kind,
        "link": link,
        "busy": sync_requests.link_sync_busy(link),
        "note": note,
        "can_link": can_link_mlflow(request.user, project),
        "status_url": reverse("mlflow-link-status", args=[project.pk, kind, link.pk]),
    }
    return render(request, "metrics/mlflow/_sync_status.html", context)


@login_required
@require_POST
def link_sync(request: HttpRequest, pk: int, kind: str, link_pk: int) -> HttpResponse:
    """Queue a sync; in-process (no broker) it has run by the time this answers, errors recorded on the link."""
    project = _linkable_project(request, pk)
    link = _link(project, kind, link_pk)
    try:
        queued = sync_requests.link_sync_request(actor=request.user, link=link)
    except DomainError as error:
        note = error.message
    else:
        note = "" if queued else "A sync is already queued or running."
    if request.headers.get("HX-Request"):
        return _status(request, project, kind, link, note=note)
    if note:
        messages.info(request, note)
    return redirect("project-mlflow", pk=project.pk)


@login_required
@require_GET
def link_status(request: HttpRequest, pk: int, kind: str, link_pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    return _status(request, project, kind, _link(project, kind, link_pk))
