"""The project's deployed models: production metrics against thresholds, alerts as action items, retrain
and revalidation badges. Reads the mirror only: it serves while MLflow is down (marked stale)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from lifecycle.models import Project
from lifecycle.views.common import visible_project
from metrics.charts import chart_csv_response, find_chart
from metrics.deployments import selectors as deployment_selectors
from metrics.deployments.charts import production_chart, production_series
from metrics.deployments.choices import AlertState
from metrics.deployments.forms import DeployedModelForm, ResolveForm, ThresholdForm
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.deployments.services import alerts as alert_service
from metrics.deployments.services import deployed_models as service
from portal.exceptions import DomainError
from portfolio.access import can_edit_project, can_handle_alert, can_manage_deployments

RESOLVED_SHOWN = 20


def _managed_project(request: HttpRequest, pk: int) -> Project:
    project = visible_project(request.user, pk)
    if not can_manage_deployments(request.user, project):
        raise PermissionDenied("Only the portfolio's project managers and data scientists manage deployed models.")
    return project


def _model_cards(project: Project, models: list[DeployedModel]) -> list[dict[str, Any]]:
    thresholds: dict[int, list[ProductionThreshold]] = {model.pk: [] for model in models}
    for row in ProductionThreshold.objects.filter(deployed_model__in=models).order_by("metric_key"):
        thresholds[row.deployed_model_id].append(row)
    series = production_series(models, {pk: [row.metric_key for row in rows] for pk, rows in thresholds.items()})
    today = timezone.localdate()
    cards = []
    for model in models:
        model_series = series[model.pk]
        charts = [
            production_chart(model, row, model_series.points.get(row.metric_key, [])) for row in thresholds[model.pk]
        ]
        cards.append(
            {
                "model": model,
                "thresholds": thresholds[model.pk],
                "charts": charts,
                "run": model_series.run,
                "retrain": service.retrain_status(model, today),
                "revalidation": service.revalidation_status(model, today),
                "valid_days": service.approval_valid_days(model),
                "stale": model.monitoring_link is not None and model.monitoring_link.is_stale,
                "threshold_form": ThresholdForm(prefix=f"t{model.pk}"),
            }
        )
    return cards


def _alert_rows(request: HttpRequest, project: Project, alerts: list[ModelAlert]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    return [
        {
            "alert": alert,
            "overdue": alert.due_date is not None and alert.due_date < today and alert.state != AlertState.RESOLVED,
            "can_handle": can_handle_alert(request.user, alert, project),
        }
        for alert in alerts
    ]


def _page(request: HttpRequest, project: Project, *, register_form: DeployedModelForm | None = None, status: int = 200):
    models = list(
        project.deployed_models.select_related("owner", "model_link", "monitoring_link", "monitoring_link__server")
    )
    cards = _model_cards(project, models)
    if chart_id := request.GET.get("csv"):
        chart = find_chart((chart for card in cards for chart in card["charts"]), chart_id)
        if chart is None:
            raise Http404("No such chart.")
        return chart_csv_response(chart)
    alerts = ModelAlert.objects.filter(deployed_model__project=project).select_related("owner", "deployed_model")
    can_manage = can_manage_deployments(request.user, project)
    context = {
        "project": project,
        "active_tab": "models",
        "can_edit": can_edit_project(request.user, project),
        "can_manage": can_manage,
        "can_register": can_manage and project.phase in service.DEPLOYED_PHASES,
        "in_deployed_phase": project.phase in service.DEPLOYED_PHASES,
        "cards": cards,
        "open_alerts": _alert_rows(request, project, list(deployment_selectors.project_open_alerts(project.pk))),
        "resolved_alerts": list(alerts.filter(state=AlertState.RESOLVED).order_by("-resolved_at")[:RESOLVED_SHOWN]),
        "register_form": register_form or DeployedModelForm(project=project),
        "resolve_form": ResolveForm(),
        "due_soon_days": service.DUE_SOON_DAYS,
    }
    return render(request, "metrics/mlflow/deployed_models.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def deployed_models(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, visible_project(request.user, pk))


@login_required
@require_POST
def deployed_model_register(request: HttpRequest, pk: int) -> HttpResponse:
    project = _managed_project(request, pk)
    form = DeployedModelForm(request.POST, project=project)
    if not form.is_valid():
        return _page(request, project, register_form=form, status=422)
    try:
        model = service.deployed_model_register(actor=request.user, project=project, **form.service_fields())
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, project, register_form=form, status=422)
    messages.success(request, f"{model.name} registered as deployed. Add thresholds for its production metrics.")
    return redirect("project-deployed-models", pk=project.pk)


def _model(project: Project, model_pk: int) -> DeployedModel:
    return get_object_or_404(DeployedModel.objects.select_related("project"), project=project, pk=model_pk)


@login_required
@require_POST
def threshold_set(request: HttpRequest, pk: int, model_pk: int) -> HttpResponse:
    project = _managed_project(request, pk)
    model = _model(project, model_pk)
    form = ThresholdForm(request.POST, prefix=f"t{model.pk}")
    if not form.is_valid():
        messages.error(request, "Threshold not saved: " + "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items()))
        return redirect("project-deployed-models", pk=project.pk)
    try:
        service.production_threshold_set(actor=request.user, model=model, **form.cleaned_data)
        alert_service.deployed_model_evaluate(model.pk)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Threshold on {form.cleaned_data['metric_key']} saved.")
    return redirect("project-deployed-models", pk=project.pk)


@login_required
@require_POST
def deployed_model_retrained(request: HttpRequest, pk: int, model_pk: int) -> HttpResponse:
    """Record that the model was retrained today (restarts the retraining clock)."""
    project = _managed_project(request, pk)
    model = _model(project, model_pk)
    try:
        service.deployed_model_update(actor=request.user, model=model, last_trained_at=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{model.name}: retraining recorded.")
    return redirect("project-deployed-models", pk=project.pk)


def _alert(request: HttpRequest, pk: int, alert_pk: int) -> tuple[Project, ModelAlert]:
    project = visible_project(request.user, pk)
    alert = get_object_or_404(ModelAlert, deployed_model__project=project, pk=alert_pk)
    return project, alert


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int, alert_pk: int) -> HttpResponse:
    project, alert = _alert(request, pk, alert_pk)
    try:
        alert_service.model_alert_acknowledge(actor=request.user, alert=alert, note=request.POST.get("note", "")[:2000])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Alert acknowledged.")
    return redirect("project-deployed-models", pk=project.pk)


@login_required
@require_POST
def alert_resolve(request: HttpRequest, pk: int, alert_pk: int) -> HttpResponse:
    project, alert = _alert(request, pk, alert_pk)
    form = ResolveForm(request.POST)
    resolution = form.cleaned_data["resolution"] if form.is_valid() else ""
    try:
        alert_service.model_alert_resolve(actor=request.user, alert=alert, resolution=resolution)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Alert resolved.")
    return redirect("project-deployed-models", pk=project.pk)
