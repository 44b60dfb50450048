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


def _latest(queryset: Any, *order: str) -> list[Any]:
    return list(queryset.order_by(*order)[:LATEST])


def _summaries(project: Project) -> dict[str, dict[str, Any]]:
    """Per section: how many rows, one figure that sums them up, and the latest rows (a fixed number of queries)."""
    budget = BudgetPeriod.objects.filter(project=project).aggregate(count=Count("id"), total=Sum("amount"))
    costs = CostEntry.objects.filter(project=project)
    cost_totals = costs.aggregate(count=Count("id"), total=Sum("amount"))
    time = TimeEntry.objects.filter(project=project)
    time_totals = time.aggregate(count=Count("id"), total=Sum("hours"))
    allocations = Allocation.objects.filter(project=project).select_related("person")
    reports = StatusReport.objects.filter(project=project)
    risks = Risk.objects.filter(project=project)
    issues = Issue.objects.filter(project=project)
    measurements = BenefitMeasurement.objects.filter(benefit__project=project).select_related("benefit")
    milestones = list(Milestone.objects.filter(charter__project=project).order_by("position", "id"))
    zero = Decimal(0)
    return {
        "budgets": {
            "count": budget["count"],
            "figure": f"BAC {budget['total'] or zero:,.2f}",
            "latest": [
                f"{p.period_start:%b %Y}: {p.amount:,.2f}"
                for p in _latest(BudgetPeriod.objects.filter(project=project), "-period_start")
            ],
        },
        "costs": {
            "count": cost_totals["count"],
            "figure": f"Spent {cost_totals['total'] or zero:,.2f}",
            "latest": [f"{c.day}: {c.amount:,.2f} {c.get_category_display()}" for c in _latest(costs, "-day", "-id")],
        },
        "allocations": {
            "count": allocations.count(),
            "figure": "",
            "latest": [f"{a.person} week of {a.week}: {a.hours} h" for a in _latest(allocations, "-week", "-id")],
        },
        "time": {
            "count": time_totals["count"],
            "figure": f"{time_totals['total'] or zero:,.2f} h logged",
            "latest": [
                f"{t.person} {t.day}: {t.hours} h" for t in _latest(time.select_related("person"), "-day", "-id")
            ],
        },
        "status": {
            "count": reports.count(),
            "figure": "",
            "latest": [
                f"{r.as_of}: {r.get_overall_rag_display()}{' (override)' if r.override_rag else ''}"
                for r in _latest(reports, "-as_of", "-id")
            ],
        },
        "risks": {
            "count": risks.count(),
            "figure": f"{risks.filter(state=RiskState.OPEN).count()} open",
            "latest": [f"{r.title} ({r.get_state_display().lower()})" for r in _latest(risks, "-opened_on", "-id")],
        },
        "issues": {
            "count": issues.count(),
            "figure": f"{issues.filter(closed_on__isnull=True).count()} open",
            "latest": [
                f"{i.title} ({i.get_severity_display().lower()}, {'open' if i.closed_on is None else 'closed'})"
                for i in _latest(issues, "-opened_on", "-id")
            ],
        },
        "benefits": {
            "count": measurements.count(),
            "figure": "",
            "latest": [
                f"{m.benefit.name} to {m.period_end}: {m.realized if m.realized is not None else '–'} / {m.planned}"
                for m in _latest(measurements, "-period_end", "-id")
            ],
        },
        "milestones": {
            "count": len(milestones),
            "figure": f"{sum(1 for m in milestones if m.done)} done",
            "latest": [
                f"{m.name}{f' ({m.due_date})' if m.due_date else ''}{' ✓' if m.done else ''}"
                for m in milestones[:LATEST]
            ],
        },
    }


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
