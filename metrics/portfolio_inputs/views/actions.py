"""Changes to one input row: correct a cost entry, re-assess or close a risk, close an issue; set or revoke a
manager's override of the overall RAG."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from lifecycle.models import Project
from lifecycle.views.common import visible_project
from metrics.portfolio_inputs import forms as f
from metrics.portfolio_inputs.models import CostEntry, Issue, Risk
from metrics.portfolio_inputs.services import health, rag
from metrics.portfolio_inputs.services import resources as services
from metrics.portfolio_inputs.views.sections import section_context, section_or_404, section_url
from portal.exceptions import DomainError
from portal.forms import show_refusal
from portal.htmx import render_fragment_or_page
from portfolio.access import can_edit_project

ROW_TEMPLATE = "metrics/inputs/row_action.html"


def _row(model: type[Model], project: Project, row_pk: int) -> Any:
    return get_object_or_404(model._default_manager.filter(project=project), pk=row_pk)


def _page(
    request: HttpRequest, project: Project, slug: str, form: forms.Form, title: str, row: Any, status: int = 200
) -> HttpResponse:
    section = section_or_404(slug)
    context = {
        "project": project,
        "active_tab": "inputs",
        "can_edit": can_edit_project(request.user, project),
        "section": section,
        "section_url": section_url(project, section),
        "form": form,
        "title": title,
        "row": row,
        "can_write": can_edit_project(request.user, project),
    }
    return render(request, ROW_TEMPLATE, context, status=status)


def _run(form: forms.Form, call: Any) -> tuple[bool, int]:
    """Validate the form and call the service; (saved, status)."""
    if not form.is_valid():
        return False, 400
    try:
        call(form)
    except DomainError as exc:
        return False, show_refusal(form, exc)
    return True, 200


@login_required
@require_http_methods(["GET", "POST"])
def cost_correct(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    entry = _row(CostEntry, project, row_pk)
    title = f"Correct the cost entry of {entry.day}"
    if request.method == "GET":
        initial = {"day": entry.day, "amount": entry.amount, "category": entry.category, "note": entry.note}
        return _page(request, project, "costs", f.CostCorrectForm(initial=initial), title, entry)
    form = f.CostCorrectForm(request.POST)
    saved, status = _run(
        form,
        lambda form: services.cost_entry_update(
            actor=request.user, entry=entry, changes=form.changes(), reason=form.cleaned_data["reason"]
        ),
    )
    if saved:
        messages.success(request, f"The cost entry of {form.cleaned_data['day']} is corrected.")
        return redirect(section_url(project, section_or_404("costs")))
    return _page(request, project, "costs", form, title, entry, status)


@login_required
@require_http_methods(["GET", "POST"])
def risk_update(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    risk = _row(Risk, project, row_pk)
    title = f"Re-assess the risk “{risk.title}”"
    if request.method == "GET":
        initial = {
            name: getattr(risk, name) for name in ("title", "probability", "impact", "description", "mitigation")
        }
        initial["owner"] = risk.owner_id
        form = f.RiskUpdateForm(initial=initial, portfolio_id=project.portfolio_id)
        return _page(request, project, "risks", form, title, risk)
    form = f.RiskUpdateForm(request.POST, portfolio_id=project.portfolio_id)
    saved, status = _run(
        form,
        lambda form: health.risk_update(
            actor=request.user, risk=risk, changes=form.changes(), reason=form.cleaned_data["reason"]
        ),
    )
    if saved:
        messages.success(request, f"The risk “{form.cleaned_data['title']}” is updated.")
        return redirect(section_url(project, section_or_404("risks")))
    return _page(request, project, "risks", form, title, risk, status)


@login_required
@require_http_methods(["GET", "POST"])
def risk_close(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    risk = _row(Risk, project, row_pk)
    title = f"Close the risk “{risk.title}”"
    if request.method == "GET":
        return _page(request, project, "risks", f.RiskCloseForm(), title, risk)
    form = f.RiskCloseForm(request.POST)
    saved, status = _run(form, lambda form: health.risk_close(actor=request.user, risk=risk, **form.cleaned_data))
    if saved:
        messages.success(request, f"The risk “{risk.title}” is closed.")
        return redirect(section_url(project, section_or_404("risks")))
    return _page(request, project, "risks", form, title, risk, status)


@login_required
@require_http_methods(["GET", "POST"])
def issue_close(request: HttpRequest, pk: int, row_pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    issue = _row(Issue, project, row_pk)
    title = f"Close the issue “{issue.title}”"
    if request.method == "GET":
        return _page(request, project, "issues", f.IssueCloseForm(), title, issue)
    form = f.IssueCloseForm(request.POST)
    saved, status = _run(form, lambda form: health.issue_close(actor=request.user, issue=issue, **form.cleaned_data))
    if saved:
        messages.success(request, f"The issue “{issue.title}” is closed.")
        return redirect(section_url(project, section_or_404("issues")))
    return _page(request, project, "issues", form, title, issue, status)


# --- the overall RAG: a manager's override ----------------------------------------------------------------------


def _status_page(request: HttpRequest, project: Project, status: int, **forms_in_error: forms.Form) -> HttpResponse:
    """The status page again, with the form that was refused (its errors shown)."""
    section = section_or_404("status")
    context = section_context(request, project, section, section.form(None, request, project), **forms_in_error)
    return render_fragment_or_page(
        request, "metrics/inputs/section.html", "metrics/inputs/_section_body.html", context, status
    )


@login_required
@require_http_methods(["POST"])
def rag_override_set(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    form = f.RagOverrideForm(request.POST)
    saved, status = _run(
        form, lambda form: rag.rag_override_set(actor=request.user, project=project, **form.cleaned_data)
    )
    if saved:
        until = form.cleaned_data["expires_on"]
        messages.success(request, f"The overall RAG is overridden until {until:%Y-%m-%d}.")
        return redirect(section_url(project, section_or_404("status")))
    return _status_page(request, project, status, rag_override_form=form)


@login_required
@require_http_methods(["POST"])
def rag_override_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    form = f.RagRevokeForm(request.POST)
    saved, status = _run(
        form, lambda form: rag.rag_override_revoke(actor=request.user, project=project, **form.cleaned_data)
    )
    if saved:
        messages.success(request, "The override is revoked: the computed overall RAG shows again.")
        return redirect(section_url(project, section_or_404("status")))
    return _status_page(request, project, status, rag_revoke_form=form)
