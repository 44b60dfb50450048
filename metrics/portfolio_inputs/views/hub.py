"""The project's inputs hub: every portfolio input with its count, its latest entries and where to add more."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lifecycle.models import Milestone, Project
from lifecycle.views.common import visible_project
from metrics.portfolio_inputs.choices import RiskState
from metrics.portfolio_inputs.models import (
    Allocation,
    BenefitMeasurement,
    BudgetPeriod,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.portfolio_inputs.views.sections import SECTIONS, section_url
from portfolio.access import can_edit_project

LATEST = 3
ZERO = Decimal(0)


def _latest(queryset: Any, *order: str) -> list[Any]:
    return list(queryset.order_by(*order)[:LATEST])


def _summary(count: int, figure: str, latest: list[str]) -> dict[str, Any]:
    """The shape every hub card reads: how many rows, one figure that sums them up, the latest rows."""
    return {"count": count, "figure": figure, "latest": latest}


# --- money and effort -------------------------------------------------------------------------------------------


def _budget_summary(project: Project) -> dict[str, Any]:
    """Budget periods add up to the budget at completion (BAC)."""
    budgets = BudgetPeriod.objects.filter(project=project)
    totals = budgets.aggregate(count=Count("id"), total=Sum("amount"))
    return _summary(
        totals["count"],
        f"BAC {totals['total'] or ZERO:,.2f}",
        [f"{p.period_start:%b %Y}: {p.amount:,.2f}" for p in _latest(budgets, "-period_start")],
    )


def _cost_summary(project: Project) -> dict[str, Any]:
    """Cost entries add up to what has been spent."""
    costs = CostEntry.objects.filter(project=project)
    totals = costs.aggregate(count=Count("id"), total=Sum("amount"))
    return _summary(
        totals["count"],
        f"Spent {totals['total'] or ZERO:,.2f}",
        [f"{c.day}: {c.amount:,.2f} {c.get_category_display()}" for c in _latest(costs, "-day", "-id")],
    )


def _allocation_summary(project: Project) -> dict[str, Any]:
    """Allocations are planned hours per person and week: no single figure sums them up."""
    allocations = Allocation.objects.filter(project=project).select_related("person")
    return _summary(
        allocations.count(),
        "",
        [f"{a.person} week of {a.week}: {a.hours} h" for a in _latest(allocations, "-week", "-id")],
    )


def _time_summary(project: Project) -> dict[str, Any]:
    """Time entries add up to the hours logged."""
    time = TimeEntry.objects.filter(project=project)
    totals = time.aggregate(count=Count("id"), total=Sum("hours"))
    return _summary(
        totals["count"],
        f"{totals['total'] or ZERO:,.2f} h logged",
        [f"{t.person} {t.day}: {t.hours} h" for t in _latest(time.select_related("person"), "-day", "-id")],
    )


# --- status, risks and issues ----------------------------------------------------------------------------------


def _status_summary(project: Project) -> dict[str, Any]:
    """Status reports: the latest ones' RAG, and whether a person overrode the computed one."""
    reports = StatusReport.objects.filter(project=project)
    return _summary(
        reports.count(),
        "",
        [
            f"{r.as_of}: {r.get_overall_rag_display()}{' (override)' if r.override_rag else ''}"
            for r in _latest(reports, "-as_of", "-id")
        ],
    )


def _risk_summary(project: Project) -> dict[str, Any]:
    """Risks: how many are still open matters more than how many were raised."""
    risks = Risk.objects.filter(project=project)
    return _summary(
        risks.count(),
        f"{risks.filter(state=RiskState.OPEN).count()} open",
        [f"{r.title} ({r.get_state_display().lower()})" for r in _latest(risks, "-opened_on", "-id")],
    )


def _issue_summary(project: Project) -> dict[str, Any]:
    """Issues: open means not closed yet."""
    issues = Issue.objects.filter(project=project)
    return _summary(
        issues.count(),
        f"{issues.filter(closed_on__isnull=True).count()} open",
        [
            f"{i.title} ({i.get_severity_display().lower()}, {'open' if i.closed_on is None else 'closed'})"
            for i in _latest(issues, "-opened_on", "-id")
        ],
    )


# --- benefits and milestones -----------------------------------------------------------------------------------


def _benefit_summary(project: Project) -> dict[str, Any]:
    """Benefit measurements: realized against planned, per benefit and period."""
    measurements = BenefitMeasurement.objects.filter(benefit__project=project).select_related("benefit")
    return _summary(
        measurements.count(),
        "",
        [
            f"{m.benefit.name} to {m.period_end}: {m.realized if m.realized is not None else '–'} / {m.planned}"
            for m in _latest(measurements, "-period_end", "-id")
        ],
    )


def _milestone_summary(project: Project) -> dict[str, Any]:
    """Milestones live on the charter, in plan order: the first ones are listed, not the latest entered."""
    milestones = list(Milestone.objects.filter(charter__project=project).order_by("position", "id"))
    return _summary(
        len(milestones),
        f"{sum(1 for m in milestones if m.done)} done",
        [f"{m.name}{f' ({m.due_date})' if m.due_date else ''}{' ✓' if m.done else ''}" for m in milestones[:LATEST]],
    )


_SECTION_SUMMARIES = {
    "budgets": _budget_summary,
    "costs": _cost_summary,
    "allocations": _allocation_summary,
    "time": _time_summary,
    "status": _status_summary,
    "risks": _risk_summary,
    "issues": _issue_summary,
    "benefits": _benefit_summary,
    "milestones": _milestone_summary,
}


def _summaries(project: Project) -> dict[str, dict[str, Any]]:
    """Per section: how many rows, one figure that sums them up, and the latest rows (a fixed number of queries)."""
    return {slug: summarize(project) for slug, summarize in _SECTION_SUMMARIES.items()}


@login_required
@require_GET
def project_inputs(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    summaries = _summaries(project)
    cards = [
        {
            "section": section,
            "url": section_url(project, section),
            "import_url": reverse("import-csv", args=[section.import_kind, project.pk]),
            "can_write": section.can_write(request.user, project),
            **summaries[slug],
        }
        for slug, section in SECTIONS.items()
    ]
    context = {
        "project": project,
        "active_tab": "inputs",
        "can_edit": can_edit_project(request.user, project),
        "cards": cards,
        "capacity_url": reverse("portfolio-capacity", args=[project.portfolio_id]),
    }
    return render(request, "metrics/inputs/hub.html", context)
