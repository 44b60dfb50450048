"""One page per portfolio input of a project: its rows, an add form (inline with htmx) and its CSV import.

Each input is a ``Section``: which form, which service call, which rows to list. One view serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from lifecycle.models import Charter, Project
from lifecycle.views.common import visible_project
from metrics.portfolio_inputs import forms as f
from metrics.portfolio_inputs.choices import RiskState
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.portfolio_inputs.services import benefits as benefit_services
from metrics.portfolio_inputs.services import health
from metrics.portfolio_inputs.services import resources as services
from metrics.portfolio_inputs.services.milestones import milestone_set
from metrics.portfolio_inputs.views.rag import status_rag_rows
from portal.exceptions import DomainError
from portal.forms import refusal_of, show_refusal
from portal.htmx import is_htmx, render_fragment_or_page
from portal.models import User
from portfolio.access import can_edit_project, can_log_time_on

#: Rows listed on a section page (newest first); the page says how many there are in all.
LIST_LIMIT = 100


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    import_kind: str
    description: str
    form: Callable[..., forms.Form]  # (data, request, project) -> form
    save: Callable[[User, Project, Any], Any]  # (actor, project, cleaned form) -> row
    rows: Callable[[Project], dict[str, Any]]  # context of the list partial
    can_write: Callable[[Any, Project], bool] = can_edit_project
    add_label: str = "Add"
    done: str = "Saved."

    @property
    def list_template(self) -> str:
        return f"metrics/inputs/_{self.slug.replace('-', '_')}.html"


# --- rows of each section -------------------------------------------------------------------------------------


def _budget_rows(project: Project) -> dict[str, Any]:
    periods = list(BudgetPeriod.objects.filter(project=project).order_by("period_start"))
    return {"periods": periods, "bac": sum((p.amount for p in periods), Decimal(0))}


def _cost_rows(project: Project) -> dict[str, Any]:
    entries = CostEntry.objects.filter(project=project)
    totals = entries.aggregate(total=Sum("amount"), count=Count("id"))
    return {
        "entries": list(entries.select_related("created_by").order_by("-day", "-id")[:LIST_LIMIT]),
        "total": totals["total"] or Decimal(0),
        "count": totals["count"],
    }


def _allocation_rows(project: Project) -> dict[str, Any]:
    allocations = Allocation.objects.filter(project=project)
    return {
        "allocations": list(allocations.select_related("person").order_by("-week", "person__username")[:LIST_LIMIT]),
        "count": allocations.count(),
    }


def _time_rows(project: Project) -> dict[str, Any]:
    entries = TimeEntry.objects.filter(project=project)
    totals = entries.aggregate(total=Sum("hours"), count=Count("id"))
    return {
        "entries": list(entries.select_related("person").order_by("-day", "-id")[:LIST_LIMIT]),
        "total": totals["total"] or Decimal(0),
        "count": totals["count"],
    }


def _status_rows(project: Project) -> dict[str, Any]:
    reports = StatusReport.objects.filter(project=project)
    return {
        "reports": list(reports.select_related("author").order_by("-as_of", "-id")[:LIST_LIMIT]),
        "count": reports.count(),
        **status_rag_rows(project),
    }


def _risk_rows(project: Project) -> dict[str, Any]:
    risks = list(Risk.objects.filter(project=project).select_related("owner").order_by("state", "-opened_on", "-id"))
    for risk in risks:
        risk.exposure = risk.probability * risk.impact  # type: ignore[attr-defined]
    return {"risks": risks, "open_count": sum(1 for r in risks if r.state == RiskState.OPEN)}


def _issue_rows(project: Project) -> dict[str, Any]:
    issues = list(
        Issue.objects.filter(project=project).select_related("owner").order_by("closed_on", "-opened_on", "-id")
    )
    return {"issues": issues, "open_count": sum(1 for i in issues if i.closed_on is None)}


def _benefit_rows(project: Project) -> dict[str, Any]:
    benefits = list(
        Benefit.objects.filter(project=project)
        .select_related("success_metric")
        .annotate(planned_total=Sum("measurements__planned"), realized_total=Sum("measurements__realized"))
    )
    measurements = (
        BenefitMeasurement.objects.filter(benefit__project=project)
        .select_related("benefit", "recorded_by")
        .order_by("-period_end", "benefit__name")[:LIST_LIMIT]
    )
    return {"benefits": benefits, "measurements": list(measurements)}


def _milestone_rows(project: Project) -> dict[str, Any]:
    charter = Charter.objects.get(project=project)
    return {"milestones": list(charter.milestones.all()), "charter": charter}


# --- forms and saves ------------------------------------------------------------------------------------------


def _time_form(data: Any, request: HttpRequest, project: Project) -> forms.Form:
    return f.TimeEntryForm(
        data,
        portfolio_id=project.portfolio_id,
        user=request.user,
        may_log_for_others=can_edit_project(request.user, project),
    )


def _milestone_form(data: Any, request: HttpRequest, project: Project) -> forms.Form:
    version = Charter.objects.filter(project=project).values_list("version", flat=True).first()
    return f.MilestoneForm(data, initial={"base_version": version})


def _save_status(actor: User, project: Project, form: Any) -> Any:
    return health.status_report_submit(actor=actor, project=project, **form.service_values())


def _save_measurement(actor: User, project: Project, form: Any) -> Any:
    return benefit_services.benefit_measurement_record(actor=actor, **form.cleaned_data)


def _plain(form_class: Any) -> Callable[..., forms.Form]:
    return lambda data, request, project: form_class(data)


def _in_portfolio(form_class: Any) -> Callable[..., forms.Form]:
    return lambda data, request, project: form_class(data, portfolio_id=project.portfolio_id)


def _of_project(form_class: Any) -> Callable[..., forms.Form]:
    return lambda data, request, project: form_class(data, project=project)


SECTIONS: dict[str, Section] = {
    section.slug: section
    for section in (
        Section(
            slug="budgets",
            title="Budget",
            import_kind="budgets",
            description="Planned spend per month. The budget at completion (BAC) is their sum.",
            form=_plain(f.BudgetForm),
            save=lambda actor, project, form: services.budget_set(actor=actor, project=project, **form.cleaned_data),
            rows=_budget_rows,
            add_label="Set the month",
            done="The budget of the month is saved.",
        ),
        Section(
            slug="costs",
            title="Cost entries",
            import_kind="cost-entries",
            description="Money spent. Entries are corrected with a reason, never deleted.",
            form=_plain(f.CostEntryForm),
            save=lambda actor, project, form: services.cost_entry_add(
                actor=actor, project=project, **form.cleaned_data
            ),
            rows=_cost_rows,
            done="The cost entry is recorded.",
        ),
        Section(
            slug="allocations",
            title="Allocations",
            import_kind="allocations",
            description="Hours each person is planned on the project per week (weeks start on Monday).",
            form=_in_portfolio(f.AllocationForm),
            save=lambda actor, project, form: services.allocation_set(
                actor=actor, project=project, **form.cleaned_data
            ),
            rows=_allocation_rows,
            add_label="Set the week",
            done="The allocation is saved.",
        ),
        Section(
            slug="time",
            title="Time entries",
            import_kind="time-entries",
            description="Hours worked. Members log their own time; managers log anyone's.",
            form=_time_form,
            save=lambda actor, project, form: services.time_entry_add(
                actor=actor, project=project, **form.cleaned_data
            ),
            rows=_time_rows,
            can_write=can_log_time_on,
            add_label="Log time",
            done="The time is logged.",
        ),
        Section(
            slug="status",
            title="Status reports",
            import_kind="status-reports",
            description=(
                "Append-only status history: the PM's view, shown beside the computed overall RAG (the worst of "
                "schedule, cost, risk and issues). A manager may override the computed RAG with a reason and an end."
            ),
            form=_plain(f.StatusReportForm),
            save=_save_status,
            rows=_status_rows,
            add_label="Submit the report",
            done="The status report is submitted; it shows beside the computed RAG.",
        ),
        Section(
            slug="risks",
            title="Risks",
            import_kind="risks",
            description="The risk register. Exposure = probability × impact; open risks feed the risk health.",
            form=_in_portfolio(f.RiskAddForm),
            save=lambda actor, project, form: health.risk_add(actor=actor, project=project, **form.cleaned_data),
            rows=_risk_rows,
            add_label="Add the risk",
            done="The risk is added to the register.",
        ),
        Section(
            slug="issues",
            title="Issues",
            import_kind="issues",
            description="The issue log. Open issues weighted by severity feed the issue health.",
            form=_in_portfolio(f.IssueForm),
            save=lambda actor, project, form: health.issue_open(actor=actor, project=project, **form.cleaned_data),
            rows=_issue_rows,
            add_label="Open the issue",
            done="The issue is logged.",
        ),
        Section(
            slug="benefits",
            title="Benefits",
            import_kind="benefit-measurements",
            description=(
                "Benefits the project promised, each tied to a success metric of the charter, measured per period: "
                "planned and realized value."
            ),
            form=_of_project(f.MeasurementForm),
            save=_save_measurement,
            rows=_benefit_rows,
            add_label="Record the measurement",
            done="The measurement is recorded.",
        ),
        Section(
            slug="milestones",
            title="Milestones",
            import_kind="milestones",
            description=(
                "The charter's milestones. Each change here is saved through the charter, as a new charter version."
            ),
            form=_milestone_form,
            save=lambda actor, project, form: milestone_set(actor=actor, project=project, **form.cleaned_data),
            rows=_milestone_rows,
            add_label="Save the milestone",
            done="The milestone is saved as a new charter version.",
        ),
    )
}


def section_or_404(slug: str) -> Section:
    section = SECTIONS.get(slug)
    if section is None:
        raise Http404("No such input.")
    return section


def section_url(project: Project, section: Section) -> str:
    return reverse("project-input-section", args=[project.pk, section.slug])


def section_context(
    request: HttpRequest, project: Project, section: Section, form: forms.Form | None, **extra: Any
) -> dict[str, Any]:
    can_write = section.can_write(request.user, project)
    context = {
        "project": project,
        "active_tab": "inputs",
        "can_edit": can_edit_project(request.user, project),
        "section": section,
        "can_write": can_write,
        "form": form if can_write else None,
        "refusal": "" if can_write else refusal_of(form),
        "section_url": section_url(project, section),
        "import_url": reverse("import-csv", args=[section.import_kind, project.pk]),
        **section.rows(project),
        **extra,
    }
    if section.slug == "benefits" and can_write:
        context.setdefault("benefit_form", f.BenefitForm(None, project=project))
    return context


@login_required
@require_http_methods(["GET", "POST"])
def section_page(request: HttpRequest, pk: int, slug: str) -> HttpResponse:
    section = section_or_404(slug)
    project = visible_project(request.user, pk)
    status = 200
    saved = ""
    if request.method == "POST":
        form = section.form(request.POST, request, project)
        status, saved = _submit(request, project, section, form)
        if saved and not is_htmx(request):
            messages.success(request, saved)
            return redirect(section_url(project, section))
        if saved:
            form = section.form(None, request, project)
    else:
        form = section.form(None, request, project)
    context = section_context(request, project, section, form, saved=saved)
    return render_fragment_or_page(
        request, "metrics/inputs/section.html", "metrics/inputs/_section_body.html", context, status
    )


def _submit(request: HttpRequest, project: Project, section: Section, form: forms.Form) -> tuple[int, str]:
    """Run the section's service; (status, success message or "")."""
    if not form.is_valid():
        return 400, ""
    try:
        section.save(request.user, project, form)
    except DomainError as exc:
        return show_refusal(form, exc), ""
    return 200, section.done


@login_required
@require_http_methods(["POST"])
def benefit_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Define a benefit (the measurement form of the benefits page records values against it)."""
    section = section_or_404("benefits")
    project = visible_project(request.user, pk)
    form = f.BenefitForm(request.POST, project=project)
    status = 400
    if form.is_valid():
        try:
            benefit = benefit_services.benefit_add(actor=request.user, project=project, **form.cleaned_data)
        except DomainError as exc:
            status = show_refusal(form, exc)
        else:
            messages.success(request, f"Benefit “{benefit.name}” defined; record its measurements below.")
            return redirect(section_url(project, section))
    context = section_context(request, project, section, section.form(None, request, project), benefit_form=form)
    return render_fragment_or_page(
        request, "metrics/inputs/section.html", "metrics/inputs/_section_body.html", context, status
    )
