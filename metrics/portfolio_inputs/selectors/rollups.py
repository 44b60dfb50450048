"""The per-portfolio roll-ups of the portfolio dashboard: computed from the projects' snapshots by the portfolio
computer, stored as snapshots, and read back by the unfiltered dashboard."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from django.db.models import OuterRef, QuerySet, Subquery

from lifecycle.models import Project
from metrics.portfolio_inputs.selectors.health import (
    MOBILIZE_BIN_DAYS,
    PhaseAges,
    cost_series,
    cost_totals,
    cumulative_series,
    gate_throughput,
    health_rows,
    last_computed,
    phase_counts,
    phase_duration_snapshots,
    project_snapshots,
    status_counts,
    utilization_rows,
)
from metrics.portfolio_inputs.selectors.values import balance_rows, benefit_rows, roadmap_rows, roi_rows
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot


def snapshots_version(portfolio_ids: list[int]) -> str:
    """When the snapshots of these portfolios last changed: the key that keeps a cached dashboard honest (any
    recomputation writes ``computed_at``). Per portfolio, the newest row read backwards from the
    ``metrics_snapshot_recency`` index (a plain MAX over several portfolios would scan all their rows)."""
    from portfolio.models import Portfolio

    newest = MetricSnapshot.objects.filter(portfolio=OuterRef("pk")).order_by("-computed_at").values("computed_at")
    moments = Portfolio.objects.filter(pk__in=portfolio_ids).annotate(latest=Subquery(newest[:1]))
    latest = [moment for moment in moments.values_list("latest", flat=True) if moment is not None]
    return max(latest).isoformat() if latest else "none"


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


def _phase_days(projects: QuerySet[Project], *, in_progress: bool) -> dict[str, list[float]]:
    """Per phase, the days of the projects' completed phases (or of those in progress). 1 query."""
    days: dict[str, list[float]] = defaultdict(list)
    for phase, value in phase_duration_snapshots(projects, in_progress=in_progress).values_list("period", "value"):
        if value is not None:
            days[phase].append(value)
    return dict(days)


def phase_ages(days: list[float]) -> PhaseAges:
    """How many phases are in progress and their median and oldest age, from their days."""
    median, _p85 = percentiles(days)
    return PhaseAges(projects=len(days), median_days=median, oldest_days=max(days, default=None))


def merged_cumulative_series(parts: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Several cumulative {month: {metric: value}} series summed month by month: a part without a month carries its
    last value forward (0 before its first month), so the sum of non-decreasing series never decreases. A metric
    appears in the months where at least one part has it (the same rule as ``cumulative_series``)."""
    increments = []
    for part in parts:
        last: dict[str, float] = {}
        for month in sorted(part):
            for metric, value in part[month].items():
                increments.append((month, metric, value - last.get(metric, 0.0)))
                last[metric] = value
    return cumulative_series(increments)


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
    durations = _phase_days(projects, in_progress=False)
    open_days = _phase_days(projects, in_progress=True)
    mobilize: list[float] = [
        value
        for value in project_snapshots(projects, "time_to_mobilize").values_list("value", flat=True)
        if value is not None
    ]
    at = last_computed(projects)
    values = {"phase_days": durations, "phase_open_days": open_days, "mobilize_days": mobilize}
    return {
        "computed_at": at.isoformat() if at else None,
        "status": status_counts(projects),
        "phases": phase_counts(projects),
        "health": [vars(row) for row in health_rows(projects)],
        "gate_counts": gates.counts,
        "phase_percentiles": {phase: percentiles(days) for phase, days in durations.items()},
        "phase_completed": gates.completed,
        "phase_in_progress": {phase: vars(ages) for phase, ages in gates.in_progress.items()},
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
