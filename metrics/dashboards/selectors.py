"""Dashboard reads: every function reads ``MetricSnapshot`` rows (never a formula) for a set of projects the
caller already scoped to the user (``portfolio.access``) and filtered. Aggregates over the set (counts, sums,
medians) run in SQL; each function issues a fixed number of queries, whatever the number of projects, and
returns at most ``limit`` rows where a chart draws one mark per project or person.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Floor

from lifecycle.choices import GateActionKind, GateReviewStatus, Phase
from lifecycle.models import GateAction, GateReview, Project
from metrics.deployments.choices import AlertState
from metrics.deployments.models import ModelAlert
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


def _float(expression: Any) -> Cast:
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
    """Projects by overall RAG of their latest status report; 'unknown': never reported or not computed. 2 queries."""
    counts = {"green": 0, "yellow": 0, "red": 0, "unknown": 0}
    rows = project_snapshots(projects, "overall_rag").values("value").annotate(n=Count("id")).order_by()
    for row in rows:
        value = row["value"]
        counts[RAG_NAMES.get(value, "unknown") if value is not None else "unknown"] += row["n"]
    counts["unknown"] += projects.count() - sum(counts.values())
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
class GateThroughput:
    counts: dict[str, int]
    median_days: dict[str, float | None]
    p85_days: dict[str, float | None]

    @property
    def decided(self) -> int:
        return sum(self.counts.values())

    def rate(self, decision: str) -> float | None:
        return self.counts.get(decision, 0) / self.decided if self.decided else None


def gate_throughput(projects: QuerySet[Project]) -> GateThroughput:
    """Gate decisions summed over the projects, and the median / 85th percentile days per phase. 2 queries."""
    counts: dict[str, int] = {}
    for row in project_snapshots(projects, "gate_decisions", period=None).values("period").annotate(n=Sum("value")):
        counts[row["period"]] = int(row["n"] or 0)
    durations = percentiles_by(project_snapshots(projects, "phase_duration", period=None), (0.5, 0.85), "period")
    return GateThroughput(
        counts=counts,
        median_days={phase: durations.get(phase, [None, None])[0] for phase in Phase.values},
        p85_days={phase: durations.get(phase, [None, None])[1] for phase in Phase.values},
    )


# --- cost -----------------------------------------------------------------------------------------------------


@dataclass
class CostTotals:
    projects: int
    budget_at_completion: float
    planned_value: float
    earned_value: float
    actual_cost: float
    forecast: float  # sum of EAC (typical); a project without CPI yet counts its BAC

    @property
    def cpi(self) -> float | None:
        return self.earned_value / self.actual_cost if self.actual_cost else None

    @property
    def spi(self) -> float | None:
        return self.earned_value / self.planned_value if self.planned_value else None


def cost_totals(projects: QuerySet[Project]) -> CostTotals:
    """Earned-value sums over the projects (as of their last computation). 1 query."""
    bac = _float(KT("detail__bac"))
    row = project_snapshots(projects, "planned_value", "earned_value", "cost_actual", "eac_typical").aggregate(
        projects=Count("id", filter=Q(metric="planned_value")),
        bac=Sum(bac, filter=Q(metric="planned_value")),
        pv=Sum("value", filter=Q(metric="planned_value")),
        ev=Sum("value", filter=Q(metric="earned_value")),
        ac=Sum("value", filter=Q(metric="cost_actual")),
        forecast=Sum(Coalesce("value", bac), filter=Q(metric="eac_typical")),
    )
    return CostTotals(
        projects=row["projects"] or 0,
        budget_at_completion=row["bac"] or 0.0,
        planned_value=row["pv"] or 0.0,
        earned_value=row["ev"] or 0.0,
        actual_cost=row["ac"] or 0.0,
        forecast=row["forecast"] or 0.0,
    )


def cost_series(projects: QuerySet[Project], start: str = "", end: str = "") -> dict[str, dict[str, float]]:
    """{month: {cost_planned, cost_actual, earned_value}} cumulative sums over the projects, months in order,
    trimmed to [start, end] ("YYYY-MM", "" = open). 1 query."""
    queryset = project_snapshots(projects, "cost_planned", "cost_actual", "earned_value", period=None)
    if start:
        queryset = queryset.filter(period__gte=start)
    if end:
        queryset = queryset.filter(period__lte=end)
    series: dict[str, dict[str, float]] = {}
    for row in queryset.values("period", "metric").annotate(total=Sum("value")).order_by("period", "metric"):
        series.setdefault(row["period"], {})[row["metric"]] = row["total"] or 0.0
    return series


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


@dataclass
class ProjectValue:
    pk: int
    code: str
    name: str
    value: float | None
    detail: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _top(queryset: QuerySet[MetricSnapshot], order: Any, limit: int) -> list[ProjectValue]:
    rows = queryset.order_by(order, "project__code").values_list(
        "project_id", "project__code", "project__name", "value", "detail"
    )[:limit]
    return [ProjectValue(*row) for row in rows]


def _attach(rows: list[ProjectValue], *metrics: str) -> None:
    """Put each row's other metrics (value and detail) in ``extra``. 1 query."""
    by_pk = {row.pk: row for row in rows}
    snapshots = MetricSnapshot.objects.filter(
        scope_type=ScopeType.PROJECT, project_id__in=list(by_pk), metric__in=metrics, period=""
    ).values_list("project_id", "metric", "value", "detail")
    for project_id, metric, value, detail in snapshots:
        by_pk[project_id].extra[metric] = {"value": value, "detail": detail}


def roadmap_rows(projects: QuerySet[Project], limit: int = CHART_ROW_LIMIT) -> tuple[list[ProjectValue], int]:
    """Projects with a baseline end, the most slipped first, with their milestones; and how many there are.
    3 queries."""
    queryset = project_snapshots(projects, "schedule_slip").filter(value__isnull=False)
    rows = _top(queryset, F("value").desc(), limit)
    _attach(rows, "milestone_status")
    return rows, queryset.count()


@dataclass
class BenefitTotals:
    planned: float
    realized: float

    @property
    def realization(self) -> float | None:
        return self.realized / self.planned if self.planned else None


def benefit_rows(projects: QuerySet[Project], limit: int = CHART_ROW_LIMIT) -> tuple[list[ProjectValue], BenefitTotals]:
    """Projects with planned benefit to date, the largest first; and the rolled-up totals. 2 queries."""
    planned = _float(KT("detail__planned"))
    queryset = project_snapshots(projects, "benefit_realization_rollup").annotate(planned_total=planned)
    rows = _top(queryset.filter(planned_total__gt=0), F("planned_total").desc(), limit)
    sums = queryset.aggregate(planned=Sum(planned), realized=Sum(_float(KT("detail__realized"))))
    return rows, BenefitTotals(planned=sums["planned"] or 0.0, realized=sums["realized"] or 0.0)


@dataclass
class MobilizeStats:
    projects: int
    median: float | None
    p85: float | None
    bins: list[tuple[int, int]]  # (bin start in days, projects)


def mobilize_stats(projects: QuerySet[Project]) -> MobilizeStats:
    """Median and 85th percentile of time to mobilize over started projects, and a histogram. 2 queries."""
    queryset = project_snapshots(projects, "time_to_mobilize").filter(value__isnull=False)
    median, p85 = percentiles_by(queryset, (0.5, 0.85))[None]
    bins = [
        (int(row["bucket"]) * MOBILIZE_BIN_DAYS, row["n"])
        for row in queryset.annotate(bucket=Floor(F("value") / MOBILIZE_BIN_DAYS))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by("bucket")
    ]
    return MobilizeStats(projects=sum(n for _, n in bins), median=median, p85=p85, bins=bins)


def roi_rows(projects: QuerySet[Project], limit: int = CHART_ROW_LIMIT) -> tuple[list[ProjectValue], int]:
    """Projects with an expected ROI, the largest expected cost first, with their realized ROI. 3 queries."""
    queryset = project_snapshots(projects, "expected_roi").filter(value__isnull=False)
    rows = _top(queryset.annotate(cost=_float(KT("detail__expected_cost"))), F("cost").desc(nulls_last=True), limit)
    _attach(rows, "realized_roi")
    return rows, queryset.count()


def balance_rows(projects: QuerySet[Project], limit: int = CHART_ROW_LIMIT) -> tuple[list[ProjectValue], int]:
    """Projects with a budget, the largest first, with their risk exposure, value case and overall RAG (bubble:
    value x risk, size = cost). 3 queries."""
    queryset = project_snapshots(projects, "eac_typical").annotate(bac=_float(KT("detail__bac"))).filter(bac__gt=0)
    rows = _top(queryset, F("bac").desc(), limit)
    _attach(rows, "risk_exposure", "expected_roi", "overall_rag")
    return rows, queryset.count()


def last_computed(projects: QuerySet[Project]) -> datetime.datetime | None:
    """When the newest of the projects' snapshots was computed. 1 query."""
    return project_snapshots(projects, "overall_rag").aggregate(at=Max("computed_at"))["at"]


# --- one project ----------------------------------------------------------------------------------------------


def project_dashboard_snapshots(project: Project) -> dict[str, dict[str, MetricSnapshot]]:
    """Every snapshot of one project: {metric: {period: snapshot}}. 1 query."""
    result: dict[str, dict[str, MetricSnapshot]] = defaultdict(dict)
    for snapshot in MetricSnapshot.objects.filter(scope_type=ScopeType.PROJECT, scope_id=project.pk):
        result[snapshot.metric][snapshot.period] = snapshot
    return dict(result)


def project_gate_history(project: Project) -> list[GateReview]:
    """The project's gate reviews, newest first, with their decision maker and actions. 2 queries."""
    return list(
        GateReview.objects.filter(project=project)
        .select_related("decided_by")
        .prefetch_related("actions__owner")
        .order_by("-requested_at", "-id")
    )


def project_open_conditions(project: Project) -> list[GateAction]:
    """Open conditions and rework items of the project's decided reviews, earliest due first. 1 query."""
    return list(
        GateAction.objects.filter(
            review__project=project, review__status=GateReviewStatus.DECIDED, completed_at__isnull=True
        )
        .filter(kind__in=[GateActionKind.CONDITION, GateActionKind.REWORK])
        .select_related("owner", "review")
        .order_by(F("due_date").asc(nulls_last=True), "id")
    )


def project_open_alerts(project: Project) -> list[ModelAlert]:
    """Unresolved production alerts of the project's deployed models, newest first. 1 query."""
    return list(
        ModelAlert.objects.filter(deployed_model__project=project)
        .exclude(state=AlertState.RESOLVED)
        .select_related("deployed_model", "owner")
        .order_by("-raised_at")
    )


def snapshots_version(portfolio_ids: list[int]) -> str:
    """When the snapshots of these portfolios last changed: the key that keeps a cached dashboard honest (any
    recomputation writes ``computed_at``). Per portfolio, the newest row read backwards from the
    ``metrics_snapshot_recency`` index (a plain MAX over several portfolios would scan all their rows)."""
    from portfolio.models import Portfolio

    newest = MetricSnapshot.objects.filter(portfolio=OuterRef("pk")).order_by("-computed_at").values("computed_at")
    moments = Portfolio.objects.filter(pk__in=portfolio_ids).annotate(latest=Subquery(newest[:1]))
    latest = [moment for moment in moments.values_list("latest", flat=True) if moment is not None]
    return max(latest).isoformat() if latest else "none"


# --- portfolio rollups: the unfiltered dashboard without scanning every project's snapshots ---------------------

#: Metric keys of the portfolio-scope snapshots holding what the unfiltered dashboard shows of one portfolio, and
#: the values its percentiles come from (read only to merge several portfolios: percentiles do not add up).
ROLLUP_METRIC = "dashboard_rollup"
ROLLUP_VALUES_METRIC = "dashboard_rollup_values"


def percentiles(values: list[float]) -> list[float | None]:
    """Median and 85th percentile (linear interpolation, as PostgreSQL's percentile_cont)."""
    if not values:
        return [None, None]
    return [float(value) for value in np.percentile(values, [50, 85])]


def mobilize_bins(values: list[float]) -> list[tuple[int, int]]:
    bins: dict[int, int] = defaultdict(int)
    for days in values:
        bins[int(days // MOBILIZE_BIN_DAYS) * MOBILIZE_BIN_DAYS] += 1
    return sorted(bins.items())


def portfolio_rollup(projects: QuerySet[Project]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Everything the portfolio dashboard shows of ``projects`` as plain JSON, for the portfolio computer to store
    (it reads the projects' snapshots, so it runs after them), and the values behind its percentiles. A fixed
    number of queries."""
    people, people_total = utilization_rows(projects)
    roadmap, roadmap_total = roadmap_rows(projects)
    benefits, totals = benefit_rows(projects)
    roi, roi_total = roi_rows(projects)
    balance, balance_total = balance_rows(projects)
    gates = gate_throughput(projects)
    durations: dict[str, list[float]] = defaultdict(list)
    for phase, value in project_snapshots(projects, "phase_duration", period=None).values_list("period", "value"):
        if value is not None:
            durations[phase].append(value)
    mobilize: list[float] = [
        value
        for value in project_snapshots(projects, "time_to_mobilize").values_list("value", flat=True)
        if value is not None
    ]
    at = last_computed(projects)
    values = {"phase_days": dict(durations), "mobilize_days": mobilize}
    return {
        "computed_at": at.isoformat() if at else None,
        "status": status_counts(projects),
        "phases": phase_counts(projects),
        "health": [vars(row) for row in health_rows(projects)],
        "gate_counts": gates.counts,
        "phase_percentiles": {phase: percentiles(days) for phase, days in durations.items()},
        "cost": vars(cost_totals(projects)),
        "cost_series": cost_series(projects),
        "people": [vars(row) for row in people],
        "people_total": people_total,
        "roadmap": [vars(row) for row in roadmap],
        "roadmap_total": roadmap_total,
        "benefits": [vars(row) for row in benefits],
        "benefit_totals": vars(totals),
        "mobilize_percentiles": percentiles(mobilize),
        "mobilize_bins": mobilize_bins(mobilize),
        "roi": [vars(row) for row in roi],
        "roi_total": roi_total,
        "balance": [vars(row) for row in balance],
        "balance_total": balance_total,
    }, values


def portfolio_rollups(portfolio_ids: list[int], metric: str = ROLLUP_METRIC) -> dict[int, dict[str, Any]]:
    """The stored rollups (or ``ROLLUP_VALUES_METRIC``: their values) of these portfolios, {portfolio id: detail};
    a portfolio never computed is absent. 1 query."""
    rows = MetricSnapshot.objects.filter(
        scope_type=ScopeType.PORTFOLIO, metric=metric, period="", scope_id__in=portfolio_ids
    ).values_list("scope_id", "detail")
    return dict(rows)
