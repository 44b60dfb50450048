"""Data of the portfolio dashboard: ``PortfolioDashboardData``, read from the selectors over the (visible, filtered)
projects by ``portfolio_dashboard_data`` or merged from stored rollups by ``portfolio_dashboard_data_from_rollups``.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from lifecycle.choices import RAG, Phase
from lifecycle.models import GateReview, Project
from metrics.portfolio_inputs import selectors

RAG_LEVEL = {"green": 0, "yellow": 1, "red": 2}


@dataclass
class PortfolioDashboardData:
    list_query: dict[str, str]
    period: tuple[str, str]
    computed_at: datetime.datetime | None
    status: dict[str, int]
    phases: dict[str, int]
    health: list[selectors.HealthRow]
    gates: selectors.GateThroughput
    cost: selectors.CostTotals
    cost_series: dict[str, dict[str, float]]
    people: list[selectors.PersonWeeks]
    people_total: int
    roadmap: list[selectors.ProjectValue]
    roadmap_total: int
    benefits: list[selectors.ProjectValue]
    benefit_totals: selectors.BenefitTotals
    mobilize: selectors.MobilizeStats
    roi: list[selectors.ProjectValue]
    roi_total: int
    balance: list[selectors.ProjectValue]
    balance_total: int
    #: Per gate decision, the projects with a review decided so (what the gate chart's drill-down list holds).
    gate_projects: dict[str, int] = field(default_factory=dict)

    @property
    def projects(self) -> int:
        return sum(self.status.values())


def project_counts(projects: QuerySet[Project]) -> tuple[dict[str, int], dict[str, int]]:
    """Projects per overall RAG (``RAG`` values, "not_assessed" included) and per phase, read from the project
    columns the project list filters on, so a drill-down list holds exactly the projects a bar counts (the RAG
    column also carries a manager's override, which the snapshot does not). 1 query."""
    status = dict.fromkeys(RAG.values, 0)
    phases = dict.fromkeys(Phase.values, 0)
    for row in projects.order_by().values("overall_rag", "phase").annotate(n=Count("pk")):
        status[row["overall_rag"] if row["overall_rag"] in status else RAG.NOT_ASSESSED] += row["n"]
        phases[row["phase"]] = phases.get(row["phase"], 0) + row["n"]
    return status, phases


def gate_project_counts(projects: QuerySet[Project]) -> dict[str, int]:
    """Per gate decision, the projects with at least one review decided so (the project list's ``gate_decision``
    filter). 1 query."""
    rows = (
        GateReview.objects.filter(project__in=projects.order_by().values("pk"))
        .exclude(decision="")
        .order_by()
        .values("decision")
        .annotate(n=Count("project", distinct=True))
    )
    return {row["decision"]: row["n"] for row in rows}


def portfolio_dashboard_data(
    projects: QuerySet[Project],
    *,
    list_query: Mapping[str, str] | None = None,
    period: tuple[str, str] = ("", ""),
    date_range: tuple[datetime.date | None, datetime.date | None] = (None, None),
) -> PortfolioDashboardData:
    """Everything the page shows, for the (visible, filtered) projects. A fixed number of queries."""
    people, people_total = selectors.utilization_rows(projects, *date_range)
    roadmap, roadmap_total = selectors.roadmap_rows(projects)
    benefits, benefit_totals = selectors.benefit_rows(projects)
    roi, roi_total = selectors.roi_rows(projects)
    balance, balance_total = selectors.balance_rows(projects)
    status, phases = project_counts(projects)
    return PortfolioDashboardData(
        list_query=dict(list_query or {}),
        period=period,
        computed_at=selectors.last_computed(projects),
        status=status,
        phases=phases,
        health=selectors.health_rows(projects),
        gates=selectors.gate_throughput(projects),
        cost=selectors.cost_totals(projects),
        cost_series=selectors.cost_series(projects, *period),
        people=people,
        people_total=people_total,
        roadmap=roadmap,
        roadmap_total=roadmap_total,
        benefits=benefits,
        benefit_totals=benefit_totals,
        mobilize=selectors.mobilize_stats(projects),
        roi=roi,
        roi_total=roi_total,
        balance=balance,
        balance_total=balance_total,
        gate_projects=gate_project_counts(projects),
    )


def _sum_counts(dicts: list[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for counts in dicts:
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
    return total


def _top_values(rows: list[dict[str, Any]], key: Any) -> list[selectors.ProjectValue]:
    values = [selectors.ProjectValue(**row) for row in rows]
    return sorted(values, key=key)[: selectors.CHART_ROW_LIMIT]


def _descending(number: float | None) -> tuple[int, float]:
    return (1, 0.0) if number is None else (0, -number)


#: Per phase, the (median, 85th percentile) days of its completed phases.
PhasePercentiles = dict[str, tuple[float | None, ...]]
#: Per phase, the phases still in progress and their age.
PhaseAgesByPhase = dict[str, selectors.PhaseAges]


def _stored_percentiles(only: dict[str, Any]) -> tuple[PhasePercentiles, PhaseAgesByPhase, selectors.MobilizeStats]:
    """One portfolio: its stored percentiles are exact, so they are read as they are."""
    medians = {phase: tuple(only["phase_percentiles"].get(phase, [None, None])) for phase in Phase.values}
    stored_ages = only.get("phase_in_progress", {})
    ages = {phase: selectors.PhaseAges(**stored_ages.get(phase, {})) for phase in Phase.values}
    mobilize = selectors.MobilizeStats(
        projects=sum(count for _, count in only["mobilize_bins"]),
        median=only["mobilize_percentiles"][0],
        p85=only["mobilize_percentiles"][1],
        bins=[(start, count) for start, count in only["mobilize_bins"]],
    )
    return medians, ages, mobilize


def _pooled_days(values: list[dict[str, Any]], key: str) -> dict[str, list[float]]:
    pooled: dict[str, list[float]] = {}
    for item in values:
        for phase, days in item.get(key, {}).items():
            pooled.setdefault(phase, []).extend(days)
    return pooled


def _pooled_percentiles(
    values: list[dict[str, Any]],
) -> tuple[PhasePercentiles, PhaseAgesByPhase, selectors.MobilizeStats]:
    """Several portfolios: percentiles do not add up, so they are computed again over the pooled per-project days."""
    phase_days = _pooled_days(values, "phase_days")
    open_days = _pooled_days(values, "phase_open_days")
    medians = {phase: tuple(selectors.percentiles(phase_days.get(phase, []))) for phase in Phase.values}
    ages = {phase: selectors.phase_ages(open_days.get(phase, [])) for phase in Phase.values}
    mobilize_days = [days for item in values for days in item["mobilize_days"]]
    median, p85 = selectors.percentiles(mobilize_days)
    mobilize = selectors.MobilizeStats(
        projects=len(mobilize_days), median=median, p85=p85, bins=selectors.mobilize_bins(mobilize_days)
    )
    return medians, ages, mobilize


def _merged_cost(rollups: list[dict[str, Any]]) -> selectors.CostTotals:
    """Sums add up; the data dates' range spans every portfolio's."""
    numbers = _sum_counts(
        [{key: value for key, value in rollup["cost"].items() if not key.endswith("_data_date")} for rollup in rollups]
    )
    firsts = [rollup["cost"].get("first_data_date") or "" for rollup in rollups]
    lasts = [rollup["cost"].get("last_data_date") or "" for rollup in rollups]
    return selectors.CostTotals(
        **numbers,
        first_data_date=min((day for day in firsts if day), default=""),
        last_data_date=max(lasts, default=""),
    )


def _merged_cost_series(rollups: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Cumulative monthly costs add up across portfolios, each carried forward past its last month."""
    return selectors.merged_cumulative_series([rollup["cost_series"] for rollup in rollups])


def _top_people(rollups: list[dict[str, Any]]) -> list[selectors.PersonWeeks]:
    """A person seen in several portfolios counts once (the first rollup's row); the busiest are kept."""
    people: dict[int, selectors.PersonWeeks] = {}
    for rollup in rollups:
        for row in rollup["people"]:
            people.setdefault(row["person_id"], selectors.PersonWeeks(**row))
    ranked = sorted(people.values(), key=lambda row: (_descending(row.peak), row.person_id))
    return ranked[: selectors.CHART_ROW_LIMIT]


def _worst_health(rollups: list[dict[str, Any]]) -> list[selectors.HealthRow]:
    """Each portfolio kept its worst projects; merged, they are ranked worst first and cut again."""
    health = [selectors.HealthRow(**row) for rollup in rollups for row in rollup["health"]]
    return sorted(health, key=lambda row: (-RAG_LEVEL.get(row.overall, -1), row.code))[: selectors.CHART_ROW_LIMIT]


def _gate_throughput(
    rollups: list[dict[str, Any]], medians: PhasePercentiles, ages: PhaseAgesByPhase
) -> selectors.GateThroughput:
    """Gate decisions and completed phases add up; their durations come from the (stored or pooled) percentiles."""
    completed = _sum_counts([rollup.get("phase_completed", {}) for rollup in rollups])
    return selectors.GateThroughput(
        counts=_sum_counts([rollup["gate_counts"] for rollup in rollups]),
        median_days={phase: medians[phase][0] for phase in Phase.values},
        p85_days={phase: medians[phase][1] for phase in Phase.values},
        completed={phase: completed.get(phase, 0) for phase in Phase.values},
        in_progress=ages,
    )


def portfolio_dashboard_data_from_rollups(
    rollups: list[dict[str, Any]],
    values: list[dict[str, Any]] | None = None,
    *,
    list_query: Mapping[str, str] | None = None,
    projects: QuerySet[Project] | None = None,
) -> PortfolioDashboardData:
    """The unfiltered dashboard of one or more portfolios from their stored rollups (``selectors.portfolio_rollup``):
    counts and sums add up, the top rows are merged and cut again. Percentiles of one portfolio are read as
    stored; those of several come from their merged ``values``. Same figures as ``portfolio_dashboard_data`` over
    the same projects, without reading every project's snapshots. With ``projects`` (those the rollups cover), the
    counts by RAG and phase and the gate projects are read from the project rows instead (2 indexed queries), so
    they equal the drill-down lists even between a change and the next rollup."""
    if len(rollups) == 1:
        medians, ages, mobilize = _stored_percentiles(rollups[0])
    else:
        medians, ages, mobilize = _pooled_percentiles(values or [])
    stamps = [datetime.datetime.fromisoformat(rollup["computed_at"]) for rollup in rollups if rollup["computed_at"]]

    def merged(name: str) -> list[dict[str, Any]]:
        return [row for rollup in rollups for row in rollup[name]]

    def summed(name: str) -> dict[str, Any]:
        return _sum_counts([rollup[name] for rollup in rollups])

    def total(name: str) -> int:
        return sum(rollup[name] for rollup in rollups)

    if projects is not None:
        status, phases = project_counts(projects)
        gate_projects = gate_project_counts(projects)
    else:
        status = summed("status") or dict.fromkeys(selectors.RAG_NAMES.values(), 0)
        status[RAG.NOT_ASSESSED] = status.pop("unknown", 0) + status.get(RAG.NOT_ASSESSED, 0)
        phases = {phase: summed("phases").get(phase, 0) for phase in Phase.values}
        gate_projects = {}
    return PortfolioDashboardData(
        list_query=dict(list_query or {}),
        period=("", ""),
        computed_at=max(stamps, default=None),
        status=status,
        phases=phases,
        health=_worst_health(rollups),
        gates=_gate_throughput(rollups, medians, ages),
        cost=_merged_cost(rollups),
        cost_series=_merged_cost_series(rollups),
        people=_top_people(rollups),
        people_total=total("people_total"),
        roadmap=_top_values(merged("roadmap"), lambda row: (_descending(row.value), row.code)),
        roadmap_total=total("roadmap_total"),
        benefits=_top_values(merged("benefits"), lambda row: (_descending(row.detail.get("planned")), row.code)),
        benefit_totals=selectors.BenefitTotals(**summed("benefit_totals")),
        mobilize=mobilize,
        roi=_top_values(merged("roi"), lambda row: (_descending(row.detail.get("expected_cost")), row.code)),
        roi_total=total("roi_total"),
        balance=_top_values(merged("balance"), lambda row: (_descending(row.detail.get("bac")), row.code)),
        balance_total=total("balance_total"),
        gate_projects=gate_projects,
    )
