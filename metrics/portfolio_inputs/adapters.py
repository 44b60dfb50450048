"""Portfolio rows -> ``metrics.formulas.portfolio`` / ``resources`` / ``value`` inputs.

Every ``*_for(projects)`` function takes project ids, a queryset or model instances and answers for all of them
with the fixed number of queries noted, keyed by project id (projects without rows get an empty value); the
singular form is the same for one project. Earned value takes PV, EV and AC at one data date, the date of the
latest status report (on or before ``as_of``) that states % complete: BAC is the sum of the budget periods, planned
% complete the time-phased budget to that date / BAC, actual % complete the report's, AC the costs to that date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import TruncWeek

from lifecycle.choices import ProjectState
from lifecycle.models import Project
from metrics.formulas import portfolio as formulas
from metrics.formulas.calendar import month_end
from metrics.formulas.resources import Utilization, resource_utilization
from metrics.formulas.value import BenefitPeriod
from metrics.portfolio_inputs.choices import RiskState
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)

__all__ = [
    "EarnedValueInputs",
    "UtilizationInputs",
    "benefit_periods",
    "benefit_periods_for",
    "budget_periods_for",
    "cost_entries_for",
    "current_status_for",
    "data_date",
    "earned_value_inputs",
    "earned_value_inputs_for",
    "issue_log",
    "issue_logs_for",
    "risk_register",
    "risk_registers_for",
    "utilization_inputs",
]

Projects = Iterable[int | Project] | QuerySet[Project]
WORKING_DAYS_PER_WEEK = 5


def _ids(projects: Projects) -> list[int]:
    if isinstance(projects, QuerySet):
        return list(projects.values_list("pk", flat=True))
    return [p if isinstance(p, int) else p.pk for p in projects]


def budget_periods_for(projects: Projects) -> dict[int, list[formulas.BudgetPeriod]]:
    """Each project's monthly budget as formula periods (first to last day of the month). 1 query."""
    ids = _ids(projects)
    result: dict[int, list[formulas.BudgetPeriod]] = {pk: [] for pk in ids}
    rows = BudgetPeriod.objects.filter(project_id__in=ids).order_by("project_id", "period_start")
    for project_id, start, amount in rows.values_list("project_id", "period_start", "amount"):
        result[project_id].append(formulas.BudgetPeriod(start=start, end=month_end(start), amount=amount))
    return result


def cost_entries_for(projects: Projects) -> dict[int, list[formulas.CostEntry]]:
    """Each project's cost entries in date order. 1 query."""
    ids = _ids(projects)
    result: dict[int, list[formulas.CostEntry]] = {pk: [] for pk in ids}
    rows = CostEntry.objects.filter(project_id__in=ids).order_by("project_id", "day", "id")
    for project_id, day, amount in rows.values_list("project_id", "day", "amount"):
        result[project_id].append(formulas.CostEntry(day=day, amount=amount))
    return result


def _progress_for(ids: list[int], as_of: datetime.date) -> dict[int, dict[str, Any]]:
    """Per project: its state, end date, and the date and % complete of the latest status report on or before
    ``as_of`` that states progress. 1 query."""
    latest = StatusReport.objects.filter(
        project=OuterRef("pk"), as_of__lte=as_of, percent_complete__isnull=False
    ).order_by("-as_of", "-id")
    rows = (
        Project.objects.filter(pk__in=ids)
        .annotate(
            percent=Subquery(latest.values("percent_complete")[:1]), reported_on=Subquery(latest.values("as_of")[:1])
        )
        .values("pk", "state", "actual_end_date", "percent", "reported_on")
    )
    return {row["pk"]: dict(row) for row in rows}


def data_date(
    reported_on: datetime.date | None, *, finished: bool, end_date: datetime.date | None, as_of: datetime.date
) -> datetime.date:
    """The status date at which PV, EV and AC are all taken (PMI's earned-value standard): the date of the latest
    status report stating % complete. A closed or cancelled project is measured at its end (or at its last report,
    if that is later), so its AC is its final cost. Without any progress report: ``as_of`` (nothing earned yet).
    Never after ``as_of``."""
    if finished:
        end = min(end_date or as_of, as_of)
        return max(reported_on, end) if reported_on else end
    return min(reported_on, as_of) if reported_on else as_of


@dataclass(frozen=True)
class EarnedValueInputs:
    """What ``formulas.earned_value_summary`` and ``cost_curve`` need for one project computed on ``as_of``.

    PV, EV and AC are taken at one ``data_date`` (see ``data_date``); ``planned_cost_today`` and
    ``actual_cost_today`` project the plan and the spending to ``as_of`` and are labelled as such wherever shown.
    """

    as_of: datetime.date
    data_date: datetime.date
    budget: tuple[formulas.BudgetPeriod, ...]
    costs: tuple[formulas.CostEntry, ...]
    budget_at_completion: float
    planned_percent_complete: float  # at the data date
    actual_percent_complete: float  # 0 until a status report states progress
    actual_cost: float  # cost entries dated on or before the data date
    progress_reported: bool
    finished: bool = False  # closed or cancelled: EAC = AC, ETC = 0

    def summary(self) -> formulas.EarnedValue:
        return formulas.earned_value_summary(
            self.budget_at_completion,
            self.planned_percent_complete,
            self.actual_percent_complete,
            self.actual_cost,
            finished=self.finished,
        )

    @property
    def planned_cost_today(self) -> float:
        """Projection to ``as_of``: the budget spread up to that day (not an input of the indices)."""
        return formulas.planned_cost_to_date(self.budget, self.as_of)

    @property
    def actual_cost_today(self) -> float:
        """Projection to ``as_of``: everything spent up to that day (not an input of the indices)."""
        return formulas.actual_cost_to_date(self.costs, self.as_of)


FINISHED_STATES = frozenset({ProjectState.CLOSED, ProjectState.CANCELLED})


def earned_value_inputs_for(projects: Projects, as_of: datetime.date) -> dict[int, EarnedValueInputs]:
    """Earned-value inputs of every project computed on ``as_of``, each at its own data date. 3 queries."""
    ids = _ids(projects)
    budgets, costs, progress = budget_periods_for(ids), cost_entries_for(ids), _progress_for(ids, as_of)
    result = {}
    for pk in ids:
        budget, row = budgets[pk], progress.get(pk, {})
        finished = row.get("state") in FINISHED_STATES
        day = data_date(row.get("reported_on"), finished=finished, end_date=row.get("actual_end_date"), as_of=as_of)
        bac = formulas.budget_at_completion(budget)
        # Rounding of the spread can leave a hair above BAC; a share of the whole budget cannot exceed 1.
        planned_share = min(formulas.planned_cost_to_date(budget, day) / bac, 1.0) if bac else 0.0
        percent = row.get("percent")
        result[pk] = EarnedValueInputs(
            as_of=as_of,
            data_date=day,
            budget=tuple(budget),
            costs=tuple(costs[pk]),
            budget_at_completion=bac,
            planned_percent_complete=planned_share,
            actual_percent_complete=float(percent) if percent is not None else 0.0,
            actual_cost=formulas.actual_cost_to_date(costs[pk], day),
            progress_reported=percent is not None,
            finished=finished,
        )
    return result


def earned_value_inputs(project: Project | int, as_of: datetime.date) -> EarnedValueInputs:
    pk = project if isinstance(project, int) else project.pk
    return earned_value_inputs_for([pk], as_of)[pk]


def risk_registers_for(projects: Projects) -> dict[int, list[formulas.Risk]]:
    """Every risk (open and closed) of each project. 1 query."""
    ids = _ids(projects)
    result: dict[int, list[formulas.Risk]] = {pk: [] for pk in ids}
    rows = Risk.objects.filter(project_id__in=ids).order_by("project_id", "opened_on", "id")
    for project_id, probability, impact, state in rows.values_list("project_id", "probability", "impact", "state"):
        result[project_id].append(
            formulas.Risk(probability=probability, impact=impact, is_open=state == RiskState.OPEN)
        )
    return result


def risk_register(project: Project | int) -> list[formulas.Risk]:
    pk = project if isinstance(project, int) else project.pk
    return risk_registers_for([pk])[pk]


def issue_logs_for(projects: Projects) -> dict[int, list[formulas.Issue]]:
    """Every issue of each project. 1 query."""
    ids = _ids(projects)
    result: dict[int, list[formulas.Issue]] = {pk: [] for pk in ids}
    rows = Issue.objects.filter(project_id__in=ids).order_by("project_id", "opened_on", "id")
    for project_id, severity, opened, closed in rows.values_list("project_id", "severity", "opened_on", "closed_on"):
        result[project_id].append(formulas.Issue(severity=severity, opened=opened, closed=closed))
    return result


def issue_log(project: Project | int) -> list[formulas.Issue]:
    pk = project if isinstance(project, int) else project.pk
    return issue_logs_for([pk])[pk]


def benefit_periods_for(projects: Projects) -> dict[int, dict[int, list[BenefitPeriod]]]:
    """{project id: {benefit id: periods in order}}; a benefit without measurements has []. 1 query."""
    ids = _ids(projects)
    result: dict[int, dict[int, list[BenefitPeriod]]] = {pk: {} for pk in ids}
    rows = (
        Benefit.objects.filter(project_id__in=ids)
        .order_by("project_id", "id", "measurements__period_end")
        .values_list("project_id", "id", "measurements__period_end", "measurements__planned", "measurements__realized")
    )
    for project_id, benefit_id, period_end, planned, realized in rows:
        periods = result[project_id].setdefault(benefit_id, [])
        if period_end is not None:
            periods.append(BenefitPeriod(period_end=period_end, planned=planned, realized=realized))
    return result


def benefit_periods(project: Project | int) -> dict[int, list[BenefitPeriod]]:
    pk = project if isinstance(project, int) else project.pk
    return benefit_periods_for([pk])[pk]


def current_status_for(projects: Projects) -> dict[int, StatusReport | None]:
    """The latest status report of each project (None: never reported). 1 query."""
    ids = _ids(projects)
    latest = StatusReport.objects.filter(project=OuterRef("pk")).order_by("-as_of", "-id").values("pk")[:1]
    latest_ids = Project.objects.filter(pk__in=ids).annotate(latest=Subquery(latest)).values("latest")
    result: dict[int, StatusReport | None] = dict.fromkeys(ids)
    for report in StatusReport.objects.filter(pk__in=latest_ids):
        result[report.project_id] = report
    return result


# --- resource utilization -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UtilizationInputs:
    """One person in one ISO week: what ``resources.resource_utilization`` needs (hours)."""

    person_id: int
    week: datetime.date  # Monday
    working: Decimal
    leave: Decimal
    allocated: Decimal
    logged: Decimal  # time entries dated on or before as_of
    remaining_allocation: Decimal  # allocation of the week's working days after as_of

    def compute(self) -> Utilization:
        return resource_utilization(self.working, self.leave, self.allocated, self.logged, self.remaining_allocation)


def _remaining_share(week: datetime.date, as_of: datetime.date) -> Decimal:
    """Share of the week's working days (Mon-Fri) still ahead after ``as_of``."""
    if as_of < week:
        return Decimal(1)
    days_ahead = max(0, WORKING_DAYS_PER_WEEK - 1 - (as_of - week).days)
    return Decimal(days_ahead) / WORKING_DAYS_PER_WEEK


def utilization_inputs(
    *,
    first_week: datetime.date,
    last_week: datetime.date,
    as_of: datetime.date,
    person_ids: Iterable[int] | None = None,
) -> list[UtilizationInputs]:
    """Every person-week from ``first_week`` to ``last_week`` (Mondays) with capacity, allocation or logged time,
    ordered by person then week; a missing capacity row counts as 0 working hours. 3 queries."""
    people = None if person_ids is None else list(person_ids)

    def scoped(queryset: QuerySet[Any], week_field: str) -> QuerySet[Any]:
        queryset = queryset.filter(**{f"{week_field}__gte": first_week, f"{week_field}__lte": last_week})
        return queryset if people is None else queryset.filter(person_id__in=people)

    zero = Decimal(0)
    cells: dict[tuple[int, datetime.date], dict[str, Decimal]] = defaultdict(
        lambda: {"working": zero, "leave": zero, "allocated": zero, "logged": zero}
    )
    for person, week, working, leave in scoped(Capacity.objects.all(), "week").values_list(
        "person_id", "week", "working_hours", "leave_hours"
    ):
        cells[(person, week)].update(working=working, leave=leave)
    allocations = scoped(Allocation.objects.all(), "week").values("person_id", "week").annotate(total=Sum("hours"))
    for row in allocations.order_by():
        cells[(row["person_id"], row["week"])]["allocated"] = row["total"]
    logged = (
        TimeEntry.objects.filter(day__lte=as_of)
        .annotate(week_start=TruncWeek("day"))
        .filter(week_start__gte=first_week, week_start__lte=last_week)
    )
    if people is not None:
        logged = logged.filter(person_id__in=people)
    for row in logged.values("person_id", "week_start").annotate(total=Sum("hours")).order_by():
        week = row["week_start"]
        week = week.date() if isinstance(week, datetime.datetime) else week
        cells[(row["person_id"], week)]["logged"] = row["total"]
    return [
        UtilizationInputs(
            person_id=person,
            week=week,
            working=cell["working"],
            leave=cell["leave"],
            allocated=cell["allocated"],
            logged=cell["logged"],
            remaining_allocation=cell["allocated"] * _remaining_share(week, as_of),
        )
        for (person, week), cell in sorted(cells.items())
    ]
