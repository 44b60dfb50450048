"""Dashboard reads: every function reads ``MetricSnapshot`` rows (never a formula) for a set of projects the
caller already scoped to the user (``portfolio.access``) and filtered. Aggregates over the set (counts, sums,
medians) run in SQL; each function issues a fixed number of queries, whatever the number of projects, and
returns at most ``limit`` rows where a chart draws one mark per project or person.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from lifecycle.choices import Phase
from lifecycle.models import Project
from metrics.portfolio_inputs.models import Allocation
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot

#: Charts drawing one mark per project or person show at most this many (the worst first) and link to the rest.
CHART_ROW_LIMIT = 40
#: Width of the time-to-mobilize histogram's bins, in days.
MOBILIZE_BIN_DAYS = 30
DIMENSION_METRICS = ("schedule_health", "cost_health", "risk_health", "issue_health")
RAG_NAMES = {0.0: "green", 1.0: "yellow", 2.0: "red"}


class _PercentileCont(Aggregate):  # PostgreSQL's ordered-set aggregate, linear interpolation like numpy's default
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float) -> None:
        super().__init__(expression, fraction=repr(float(fraction)))


def float_of(expression: Any) -> Cast:
    return Cast(expression, FloatField())


def project_snapshots(projects: QuerySet[Project], *metrics: str, period: str | None = "") -> QuerySet[MetricSnapshot]:
    """The project-scope snapshots of ``metrics`` of the given projects; ``period=None``: every period but ''."""
    queryset = MetricSnapshot.objects.filter(scope_type=ScopeType.PROJECT, project__in=projects.values("pk"))
    if metrics:
        queryset = queryset.filter(metric__in=metrics)
    return queryset.exclude(period="") if period is None else queryset.filter(period=period)


def percentiles_by(
    queryset: QuerySet[MetricSnapshot], fractions: tuple[float, ...], group: str | None = None
) -> dict[Any, list[float | None]]:
    """Percentiles (linear interpolation) of ``value`` per ``group`` (None: the whole set under key None). 1 query."""
    queryset = queryset.filter(value__isnull=False).order_by()
    if connection.vendor == "postgresql":
        aggregates = {f"p{index}": _PercentileCont("value", fraction) for index, fraction in enumerate(fractions)}
        if group is None:
            row = queryset.aggregate(**aggregates)
            return {None: [row[f"p{index}"] for index in range(len(fractions))]}
        return {
            row[group]: [row[f"p{index}"] for index in range(len(fractions))]
            for row in queryset.values(group).annotate(**aggregates)
        }
    values: dict[Any, list[float]] = defaultdict(list)  # SQLite (developer runs): the same numbers in Python
    for key, value in queryset.values_list(group or "metric", "value"):
        values[key if group else None].append(value)
    if group is None and not values:
        return {None: [None] * len(fractions)}
    return {
        key: [float(v) for v in np.percentile(items, [f * 100 for f in fractions])] for key, items in values.items()
    }


# --- counts and health -----------------------------------------------------------------------------------------


def status_counts(projects: QuerySet[Project]) -> dict[str, int]:
    """Projects by their computed overall RAG; 'not_assessed': nothing behind it, or not computed yet. 2 queries."""
    counts = {"green": 0, "yellow": 0, "red": 0, "not_assessed": 0}
    rows = project_snapshots(projects, "overall_rag").values("value").annotate(n=Count("id")).order_by()
    for row in rows:
        value = row["value"]
        counts[RAG_NAMES.get(value, "not_assessed") if value is not None else "not_assessed"] += row["n"]
    counts["not_assessed"] += projects.count() - sum(counts.values())
    return counts


def phase_counts(projects: QuerySet[Project]) -> dict[str, int]:
    """Projects per lifecycle phase, every phase present. 1 query."""
    counts = dict.fromkeys(Phase.values, 0)
    for row in projects.order_by().values("phase").annotate(n=Count("pk")):
        counts[row["phase"]] = row["n"]
    return counts


@dataclass
class HealthRow:
    pk: int
    code: str
    name: str
    overall: str
    dimensions: dict[str, str] = field(default_factory=dict)


def _overall_value() -> Subquery:
    return Subquery(
        MetricSnapshot.objects.filter(
            scope_type=ScopeType.PROJECT, project=OuterRef("pk"), metric="overall_rag", period=""
        ).values("value")[:1]
    )


def health_rows(projects: QuerySet[Project], limit: int = CHART_ROW_LIMIT) -> list[HealthRow]:
    """The ``limit`` worst projects (overall RAG, then code) with their four dimension RAGs. 2 queries."""
    worst = list(
        projects.annotate(overall=_overall_value())
        .order_by(F("overall").desc(nulls_last=True), "code")
        .values("pk", "code", "name", "overall")[:limit]
    )
    rows = {
        item["pk"]: HealthRow(item["pk"], item["code"], item["name"], RAG_NAMES.get(item["overall"], ""))
        for item in worst
    }
    snapshots = MetricSnapshot.objects.filter(
        scope_type=ScopeType.PROJECT, project_id__in=list(rows), metric__in=DIMENSION_METRICS, period=""
    ).values_list("project_id", "metric", "value")
    for project_id, metric, value in snapshots:
        rows[project_id].dimensions[metric] = RAG_NAMES.get(value, "") if value is not None else ""
    return list(rows.values())


# --- gates ----------------------------------------------------------------------------------------------------


@dataclass
class PhaseAges:
    """Phases in progress (the project is in it and active: its clock still runs): how many, and their age."""

    projects: int = 0
    median_days: float | None = None
    oldest_days: float | None = None


@dataclass
class GateThroughput:
    counts: dict[str, int]
    median_days: dict[str, float | None]  # completed phases only (ended at their gate decision)
    p85_days: dict[str, float | None]
    completed: dict[str, int] = field(default_factory=dict)  # completed phases per phase
    in_progress: dict[str, PhaseAges] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return sum(self.counts.values())

    def rate(self, decision: str) -> float | None:
        return self.counts.get(decision, 0) / self.decided if self.decided else None


def phase_duration_snapshots(projects: QuerySet[Project], *, in_progress: bool) -> QuerySet[MetricSnapshot]:
    """The projects' ``phase_duration`` rows of completed phases, or of the phases in progress."""
    return project_snapshots(projects, "phase_duration", period=None).filter(detail__in_progress=in_progress)


def _phase_ages(projects: QuerySet[Project]) -> dict[str, PhaseAges]:
    """Per phase, the phases in progress: count, median and oldest age. 2 queries."""
    queryset = phase_duration_snapshots(projects, in_progress=True)
    medians = percentiles_by(queryset, (0.5,), "period")
    ages = {phase: PhaseAges() for phase in Phase.values}
    for row in queryset.order_by().values("period").annotate(n=Count("id"), oldest=Max("value")):
        ages[row["period"]] = PhaseAges(row["n"], medians.get(row["period"], [None])[0], row["oldest"])
    return ages


def gate_throughput(projects: QuerySet[Project]) -> GateThroughput:
    """Gate decisions summed over the projects; the median / 85th percentile days per phase over completed phases
    only; the phases in progress apart, with their age. 5 queries."""
    counts: dict[str, int] = {}
    for row in project_snapshots(projects, "gate_decisions", period=None).values("period").annotate(n=Sum("value")):
        counts[row["period"]] = int(row["n"] or 0)
    completed = phase_duration_snapshots(projects, in_progress=False)
    durations = percentiles_by(completed, (0.5, 0.85), "period")
    done = dict(completed.order_by().values("period").annotate(n=Count("id")).values_list("period", "n"))
    return GateThroughput(
        counts=counts,
        median_days={phase: durations.get(phase, [None, None])[0] for phase in Phase.values},
        p85_days={phase: durations.get(phase, [None, None])[1] for phase in Phase.values},
        completed={phase: done.get(phase, 0) for phase in Phase.values},
        in_progress=_phase_ages(projects),
    )


# --- cost -----------------------------------------------------------------------------------------------------


@dataclass
class CostTotals:
    """Earned-value sums over projects, each project's PV, EV and AC taken at its own data date (its latest status
    report stating % complete) and the data dates' range, for the panels to state."""

    projects: int
    budget_at_completion: float
    planned_value: float
    earned_value: float
    actual_cost: float
    forecast: float  # ``formulas.portfolio_forecast``: sum of project EACs (AC once finished; BAC while undefined)
    first_data_date: str = ""
    last_data_date: str = ""

    @property
    def cpi(self) -> float | None:
        return self.earned_value / self.actual_cost if self.actual_cost else None

    @property
    def spi(self) -> float | None:
        return self.earned_value / self.planned_value if self.planned_value else None


def cost_totals(projects: QuerySet[Project]) -> CostTotals:
    """Earned-value sums over the projects (as of their last computation). 1 query."""
    bac = float_of(KT("detail__bac"))
    planned = Q(metric="planned_value")
    row = project_snapshots(projects, "planned_value", "earned_value", "cost_actual", "eac_typical").aggregate(
        projects=Count("id", filter=planned),
        bac=Sum(bac, filter=planned),
        pv=Sum("value", filter=planned),
        ev=Sum("value", filter=Q(metric="earned_value")),
        ac=Sum("value", filter=Q(metric="cost_actual")),
        forecast=Sum(Coalesce("value", bac), filter=Q(metric="eac_typical")),
        first=Min(KT("detail__data_date"), filter=planned),
        last=Max(KT("detail__data_date"), filter=planned),
    )
    return CostTotals(
        projects=row["projects"] or 0,
        budget_at_completion=row["bac"] or 0.0,
        planned_value=row["pv"] or 0.0,
        earned_value=row["ev"] or 0.0,
        actual_cost=row["ac"] or 0.0,
        forecast=row["forecast"] or 0.0,
        first_data_date=row["first"] or "",
        last_data_date=row["last"] or "",
    )


#: The monthly S-curve rows summed up by ``cost_series``: cumulative values, each with its increment in ``detail``.
COST_SERIES_METRICS = ("cost_planned", "cost_actual", "earned_value")


def cumulative_series(
    increments: Iterable[tuple[str, str, float]], start: str = "", end: str = ""
) -> dict[str, dict[str, float]]:
    """{month: {metric: cumulative}} from (month, metric, increment) rows, months in order, trimmed to
    [start, end] ("YYYY-MM", "" = open) after cumulating, so a trimmed series starts at its true level. A part that
    has no row in a month (a project whose budget ended, or that has not started) adds 0 that month: its total
    carries forward, so a series of non-negative increments never decreases. A metric appears in the months where
    at least one part has a row of it (actuals stop at today)."""
    by_month: dict[str, dict[str, float]] = {}
    for month, metric, increment in increments:
        cell = by_month.setdefault(month, {})
        cell[metric] = cell.get(metric, 0.0) + (increment or 0.0)
    running: dict[str, float] = {}
    series: dict[str, dict[str, float]] = {}
    for month in sorted(by_month):
        for metric, increment in by_month[month].items():
            running[metric] = running.get(metric, 0.0) + increment
        if (not start or month >= start) and (not end or month <= end):
            series[month] = {metric: running[metric] for metric in sorted(by_month[month])}
    return series


def cost_series(projects: QuerySet[Project], start: str = "", end: str = "") -> dict[str, dict[str, float]]:
    """{month: {cost_planned, cost_actual, earned_value}} cumulative sums over the projects (``cumulative_series``
    over the monthly increments the project snapshots store), months in order, trimmed to [start, end]. 1 query."""
    queryset = project_snapshots(projects, *COST_SERIES_METRICS, period=None)
    if end:
        queryset = queryset.filter(period__lte=end)
    rows = (
        queryset.values("period", "metric")
        .annotate(total=Sum(Coalesce(float_of(KT("detail__increment")), 0.0)))
        .order_by("period", "metric")
        .values_list("period", "metric", "total")
    )
    return cumulative_series(rows, start, end)


# --- people ---------------------------------------------------------------------------------------------------


@dataclass
class PersonWeeks:
    person_id: int
    name: str
    peak: float | None
    weeks: list[dict[str, Any]]


def utilization_rows(
    projects: QuerySet[Project], start: datetime.date | None = None, end: datetime.date | None = None,
    limit: int = CHART_ROW_LIMIT,
) -> tuple[list[PersonWeeks], int]:  # fmt: skip
    """People allocated to the projects, most loaded first, with their weekly utilization (trimmed to the date
    range), and how many such people have a snapshot. 3 queries."""
    people = Allocation.objects.filter(project__in=projects.values("pk")).values("person_id")
    snapshots = MetricSnapshot.objects.filter(
        scope_type=ScopeType.PERSON, metric="resource_utilization", period="", scope_id__in=people
    )
    total = snapshots.count()
    rows = list(
        snapshots.order_by(F("value").desc(nulls_last=True), "scope_id").values_list("scope_id", "value", "detail")[
            :limit
        ]
    )
    users = get_user_model().objects.filter(pk__in=[row[0] for row in rows])
    names = {user.pk: user.get_full_name() or user.get_username() for user in users}
    result = []
    for person_id, peak, detail in rows:
        weeks = [
            week
            for week in detail.get("weeks", [])
            if (start is None or week["week"] >= (start - datetime.timedelta(days=6)).isoformat())
            and (end is None or week["week"] <= end.isoformat())
        ]
        result.append(PersonWeeks(person_id, names.get(person_id, f"#{person_id}"), peak, weeks))
    return result, total


# --- roadmap, benefits, value ---------------------------------------------------------------------------------


def last_computed(projects: QuerySet[Project]) -> datetime.datetime | None:
    """When the newest of the projects' snapshots was computed. 1 query."""
    return project_snapshots(projects, "overall_rag").aggregate(at=Max("computed_at"))["at"]


# --- one project ----------------------------------------------------------------------------------------------


# --- portfolio rollups: the unfiltered dashboard without scanning every project's snapshots ---------------------
