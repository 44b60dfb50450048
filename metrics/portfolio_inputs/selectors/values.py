"""Selectors of the value side of the portfolio dashboard: roadmap, benefits, time to mobilize, ROI, balance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Floor

from lifecycle.models import Project
from metrics.portfolio_inputs.selectors.health import (
    CHART_ROW_LIMIT,
    MOBILIZE_BIN_DAYS,
    float_of,
    percentiles_by,
    project_snapshots,
)
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot


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
    planned = float_of(KT("detail__planned"))
    queryset = project_snapshots(projects, "benefit_realization_rollup").annotate(planned_total=planned)
    rows = _top(queryset.filter(planned_total__gt=0), F("planned_total").desc(), limit)
    sums = queryset.aggregate(planned=Sum(planned), realized=Sum(float_of(KT("detail__realized"))))
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
    rows = _top(queryset.annotate(cost=float_of(KT("detail__expected_cost"))), F("cost").desc(nulls_last=True), limit)
    _attach(rows, "realized_roi")
    return rows, queryset.count()


def balance_rows(projects: QuerySet[Project], limit: int = CHART_ROW_LIMIT) -> tuple[list[ProjectValue], int]:
    """Projects with a budget, the largest first, with their risk exposure, value case and overall RAG (bubble:
    value x risk, size = cost). 3 queries."""
    queryset = project_snapshots(projects, "eac_typical").annotate(bac=float_of(KT("detail__bac"))).filter(bac__gt=0)
    rows = _top(queryset, F("bac").desc(), limit)
    _attach(rows, "risk_exposure", "expected_roi", "overall_rag")
    return rows, queryset.count()
