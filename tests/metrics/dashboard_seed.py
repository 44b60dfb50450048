"""Test data for the portfolio dashboards: projects with budgets, costs, status reports, risks, issues, benefits,
milestones, allocations and gate decisions, written with the ORM (the input services are tested elsewhere),
then computed with the real snapshot computers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from lifecycle.choices import GateDecision, GateReviewStatus
from lifecycle.models import GateReview, Milestone, Project
from metrics.portfolio_inputs.computers.projects import projects_compute
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
)
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute
from tests.factories import make_project

RAGS = ("green", "yellow", "red")


def _months_back(today: datetime.date, count: int) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(months))


def dress_project(project: Project, *, index: int, author, today: datetime.date | None = None) -> Project:
    """Give a project every input a dashboard chart reads; ``index`` varies the values."""
    today = today or timezone.localdate()
    months = _months_back(today, 4)
    project.start_date = project.ideation_date + datetime.timedelta(days=10 + 7 * index)
    project.target_end_date = today + datetime.timedelta(days=60 + index)
    project.save(update_fields=["start_date", "target_end_date"])
    charter = project.charter
    charter.expected_benefit = Decimal(20_000 + 1_000 * index)
    charter.expected_cost = Decimal(10_000)
    charter.save(update_fields=["expected_benefit", "expected_cost"])
    Milestone.objects.create(charter=charter, name="Pilot", due_date=today - datetime.timedelta(days=5), done=False)
    Milestone.objects.create(charter=charter, name="Launch", due_date=today + datetime.timedelta(days=30))
    BudgetPeriod.objects.bulk_create(
        [BudgetPeriod(project=project, period_start=month, amount=Decimal(1_000)) for month in months]
    )
    CostEntry.objects.create(project=project, day=months[0], amount=Decimal(800 + 50 * index), created_by=author)
    CostEntry.objects.create(project=project, day=months[2], amount=Decimal(900), created_by=author)
    rag = RAGS[index % 3]
    StatusReport.objects.create(
        project=project,
        as_of=months[1],
        schedule_rag="green",
        overall_rag="green",
        derived_rag="green",
        percent_complete=Decimal("0.2"),
        author=author,
    )
    StatusReport.objects.create(
        project=project,
        as_of=today,
        schedule_rag=rag,
        overall_rag=rag,
        derived_rag=rag,
        percent_complete=Decimal("0.5"),
        author=author,
    )
    Risk.objects.create(
        project=project, title="Data late", probability=Decimal("0.5"), impact=2 + index % 3, opened_on=months[0]
    )
    Issue.objects.create(
        project=project, title="Label drift", severity="high", opened_on=today - datetime.timedelta(days=3)
    )
    benefit = Benefit.objects.create(project=project, name="Savings")
    BenefitMeasurement.objects.create(
        benefit=benefit, period_end=months[1], planned=Decimal(500), realized=Decimal(300 + index), recorded_by=author
    )
    monday = today - datetime.timedelta(days=today.weekday())
    Capacity.objects.get_or_create(person=project.owner, week=monday, defaults={"working_hours": Decimal(40)})
    Allocation.objects.create(person=project.owner, project=project, week=monday, hours=Decimal(10 + index))
    review = GateReview.objects.create(
        project=project,
        phase=project.phase,
        status=GateReviewStatus.DECIDED,
        requested_by=author,
        requested_at=timezone.now(),
        decision=(GateDecision.GO, GateDecision.RECYCLE)[index % 2],
        decided_by=author,
        decided_at=timezone.now(),
    )
    assert review.pk
    return project


def seed_projects(portfolio, *, count: int, owner, sponsor, start: int = 0, **fields) -> list[Project]:
    projects = []
    for index in range(start, start + count):
        project = make_project(
            portfolio=portfolio, owner=owner, sponsor=sponsor, code=f"{portfolio.slug.upper()}-{index:03d}", **fields
        )
        projects.append(dress_project(project, index=index, author=owner))
    return projects


def compute_all(projects: list[Project], people=(), *, portfolios: bool = True) -> None:
    """People first, then projects, then (unless told not to) their portfolios: the full recompute's order."""
    for person in people:
        scope_compute(ScopeType.PERSON, person.pk)
    projects_compute([project.pk for project in projects])
    if portfolios:
        for portfolio_id in sorted({project.portfolio_id for project in projects}):
            scope_compute(ScopeType.PORTFOLIO, portfolio_id)
