"""Pages of MLflow evidence on gate reviews: search and attach runs and model versions, detach, compare the
attached runs; and the portfolio's automated gate criteria.

Every refusal of a service becomes a message on the page, never a 500; outsiders get 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifecycle.catalog import phase_definition
from lifecycle.models import GateReview
from lifecycle.selectors import projects_visible_to
from metrics.charts import chart_csv_response, find_chart
from metrics.evidence.choices import EvidenceKind
from metrics.evidence.comparison import ComparedRun, comparison, history_chart, parallel_chart, runs_metric_history
from metrics.evidence.forms import GateRuleForm, ModelVersionAttachForm
from metrics.evidence.models import EvidenceRequest, GateEvidence, GateRule
from metrics.evidence.run_search import RUN_STATUSES, metric_keys, query_as_params, run_query_parse, runs_search
from metrics.evidence.services import requests as request_services
from metrics.evidence.services import reviews as evidence_services
from metrics.evidence.services import rules as rule_services
from metrics.mirror.models import ExperimentLink, RegisteredModelLink
from portal.exceptions import DomainError
from portfolio.access import can_attach_evidence, can_edit_project, can_manage_gate_rules, portfolios_visible_to
from portfolio.models import Membership

SEARCH_LIMIT = 50
User = get_user_model()
ID_DIGITS_MAX = 18  # ids fit in 64 bits; longer input is refused before it reaches the database


def visible_review(request: HttpRequest, pk: int) -> GateReview:
    reviews = GateReview.objects.select_related(
        "project__portfolio", "project__owner", "project__sponsor", "requested_by", "decided_by"
    ).filter(project__in=projects_visible_to(request.user))
    return get_object_or_404(reviews, pk=pk)


def _evidence_url(review: GateReview, request: HttpRequest | None = None) -> str:
    url = reverse("evidence-review", args=[review.pk])
    query = request.POST.get("back", "") if request is not None else ""
    return f"{url}?{query}" if query and not query.startswith(("/", "http")) else url


@login_required
@require_GET
def review_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """The review's evidence and, while it is open, the search of the linked experiments' runs."""
    review = visible_review(request, pk)
    project = review.project
    state = evidence_services.review_evidence_state(review)
    can_attach = review.is_open and can_attach_evidence(request.user, project)
    query = run_query_parse(request.GET)
    linked = evidence_services.runs_linked_to(project)
    attached_runs = {item.run_id for item, _ in state.rows if item.run_id}
    attached_versions = {item.model_version_id for item, _ in state.rows if item.model_version_id}
    results = list(runs_search(linked, query)[: SEARCH_LIMIT + 1]) if review.is_open else []
    versions = list(evidence_services.versions_linked_to(project).filter(deleted=False)) if review.is_open else []
    context = {
        "project": project,
        "review": review,
        "definition": phase_definition(review.phase),
        "state": state,
        "can_attach": can_attach,
        "query": query,
        "query_string": urlencode(query_as_params(query), doseq=True),
        "results": results[:SEARCH_LIMIT],
        "more_results": len(results) > SEARCH_LIMIT,
        "attached_runs": attached_runs,
        "attached_versions": attached_versions,
        "versions": versions,
        "metric_keys": metric_keys(linked),
        "statuses": RUN_STATUSES,
        "experiment_links": list(ExperimentLink.objects.filter(project=project)),
        "model_links": list(RegisteredModelLink.objects.filter(project=project)),
        "can_edit": can_edit_project(request.user, project),
        "active_tab": "gates",
    }
    return render(request, "metrics/evidence/review.html", context)


@login_required
@require_POST
def evidence_attach(request: HttpRequest, pk: int) -> HttpResponse:
    review = visible_review(request, pk)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("run_id"):
            evidence_services.evidence_attach_run(
                actor=request.user, review=review, run_id=request.POST["run_id"], note=note
            )
        else:
            form = ModelVersionAttachForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Choose a run, or a registered model and a version number.")
                return redirect(_evidence_url(review, request))
            evidence_services.evidence_attach_model_version(
                actor=request.user,
                review=review,
                model_name=form.cleaned_data["model_name"],
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Attached. The automated criteria are evaluated again.")
    return redirect(_evidence_url(review, request))


@login_required
@require_POST
def evidence_detach(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    review = visible_review(request, pk)
    evidence = get_object_or_404(GateEvidence, pk=evidence_pk, review=review)
    try:
        evidence_services.evidence_detach(actor=request.user, evidence=evidence, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Detached.")
    return redirect(_evidence_url(review, request))


@login_required
@require_GET
def evidence_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """The attached runs side by side, a chosen metric over steps, params against a metric."""
    review = visible_review(request, pk)
    state = evidence_services.review_evidence_state(review)
    runs = [
        ComparedRun(item.pk, item.run_id, snapshot) for item, snapshot in state.rows if item.kind == EvidenceKind.RUN
    ]
    compared = comparison(runs)
    keys = compared.metric_keys
    chosen = request.GET.get("metric", "")
    metric = chosen if chosen in keys else (keys[0] if keys else "")
    history = runs_metric_history([run.run_pk for run in runs if run.run_pk], metric) if metric else {}
    charts = [history_chart(runs, metric, history), parallel_chart(compared, metric)]
    wanted = request.GET.get("csv")
    if wanted and (chart := find_chart(charts, wanted)) is not None:
        return chart_csv_response(chart)
    context = {
        "project": review.project,
        "review": review,
        "definition": phase_definition(review.phase),
        "compared": compared,
        "metric": metric,
        "charts": charts,
        "frozen": not review.is_open,
        "can_edit": can_edit_project(request.user, review.project),
        "active_tab": "gates",
    }
    return render(request, "metrics/evidence/compare.html", context)


# --- evidence asked of a person ----------------------------------------------------------------------------------


@login_required
@require_POST
def evidence_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask a member of the portfolio for evidence on the review (from the review page)."""
    review = visible_review(request, pk)
    members = Membership.objects.filter(portfolio_id=review.project.portfolio_id).values("user_id")
    asked_id = request.POST.get("asked", "")
    asked = None
    if asked_id.isdigit() and len(asked_id) <= ID_DIGITS_MAX:
        asked = User.objects.filter(pk__in=members, pk=int(asked_id)).first()
    if asked is None:
        messages.error(request, "Choose the person to ask among the portfolio's members.")
        return redirect("gate-review-detail", pk=review.pk)
    try:
        request_services.evidence_request(
            actor=request.user, review=review, asked=asked, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Evidence asked of {asked.get_full_name() or asked.username}.")
    return redirect("gate-review-detail", pk=review.pk)


@login_required
@require_POST
def evidence_request_withdraw(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    review = visible_review(request, pk)
    asked = get_object_or_404(EvidenceRequest, pk=request_pk, review=review)
    try:
        request_services.evidence_request_withdraw(
            actor=request.user, request=asked, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The request is withdrawn.")
    return redirect("gate-review-detail", pk=review.pk)


# --- automated gate criteria of a portfolio -------------------------------------------------------------------


def _rules_page(request: HttpRequest, portfolio: Any, form: GateRuleForm, status: int = 200) -> HttpResponse:
    rules = GateRule.objects.filter(portfolio=portfolio).select_related("project", "created_by")
    rows = [{"rule": rule, "label": rule_services.rule_label_of(rule)} for rule in rules]
    context = {
        "portfolio": portfolio,
        "rows": rows,
        "form": form,
        "can_manage": can_manage_gate_rules(request.user, portfolio.pk),
    }
    return render(request, "metrics/evidence/rules.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def gate_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """The portfolio's automated gate criteria; its managers add rules here."""
    portfolio = get_object_or_404(portfolios_visible_to(request.user), pk=pk)
    projects = projects_visible_to(request.user).filter(portfolio=portfolio).order_by("code")
    if request.method != "POST":
        return _rules_page(request, portfolio, GateRuleForm(projects=projects))
    form = GateRuleForm(request.POST, projects=projects)
    if not form.is_valid():
        return _rules_page(request, portfolio, form, status=400)
    try:
        rule_services.gate_rule_create(
            actor=request.user,
            portfolio=portfolio,
            phase=form.cleaned_data["phase"],
            kind=form.cleaned_data["kind"],
            project=form.cleaned_data["project"],
            **form.values(),
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        for name, text in (exc.details or {}).items() if isinstance(exc.details, dict) else ():
            if name in form.fields:
                form.add_error(name, str(text))
        return _rules_page(request, portfolio, form, status=exc.status_code)
    messages.success(request, "The rule is added; open reviews of that gate evaluate it now.")
    return redirect("evidence-gate-rules", pk=portfolio.pk)


@login_required
@require_POST
def gate_rule_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    rules = GateRule.objects.filter(portfolio__in=portfolios_visible_to(request.user))
    rule = get_object_or_404(rules, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        rule_services.gate_rule_update(actor=request.user, rule=rule, is_active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The rule is active again." if active else "The rule is deactivated.")
    return redirect("evidence-gate-rules", pk=rule.portfolio_id)
