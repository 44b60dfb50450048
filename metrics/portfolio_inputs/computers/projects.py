"""Snapshot computers of the portfolio area: one per project, per portfolio and per person.

Each computer loads its inputs through ``metrics.portfolio_inputs.adapters`` (and a few direct reads of the lifecycle
timeline) with a fixed number of queries, calls the pure formulas, and returns ``SnapshotValue``s. The dashboards
read what is written here and never call a formula on request.

Project snapshots (scope "project"):
- period "": the headline numbers as of today (RAGs, earned value, cost, risk, issues, benefits, value, slip,
  milestones) with what a chart needs in ``detail``;
- period "YYYY-MM": the cumulative ``cost_planned`` / ``cost_actual`` / ``earned_value`` at each month's end (the
  portfolio S-curve is their sum) and the ``overall_rag`` of the month's last status report (RAG history);
- period = a phase: ``phase_duration`` (days spent in it, from the lifecycle's phase transitions; the clock stops at
  the gate decision that moves, closes, cancels or holds the project; ``detail.in_progress`` marks the open phase);
- period = a decision: ``gate_decisions`` (how many gate reviews ended with it).
Portfolio snapshots: ``gate_throughput``, ``time_to_mobilize_summary`` and the ``dashboard_rollup`` (what the
unfiltered portfolio dashboard shows, summed up from the stored project snapshots). Person snapshots:
``resource_utilization`` per ISO week around today (planned / actual / forecast, over-capacity flag).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count
from django.utils import timezone

from lifecycle.choices import GateDecision, GateReviewStatus
from lifecycle.models import GateReview, Milestone, PhaseTransition, Project
from metrics.deployments.choices import AlertState
from metrics.deployments.models import ModelAlert
from metrics.formulas import value as value_formulas
from metrics.formulas.lifecycle import gate_throughput, phase_days_split
from metrics.portfolio_inputs import adapters, selectors
from metrics.portfolio_inputs.computers.parts import phase_timelines
from metrics.portfolio_inputs.computers.values import ProjectInputs, project_values
from metrics.portfolio_inputs.models import Benefit, RagOverride, StatusReport
from metrics.portfolio_inputs.services import rag
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.detail import float_or_none
from metrics.snapshots.registry import ScopeResult, SnapshotValue, snapshot_computer
from metrics.snapshots.services import snapshots_upsert
from portfolio.models import Portfolio

# --- project inputs (bulk) --------------------------------------------------------------------------------------


def _status_history_for(found: list[int]) -> defaultdict[int, list[Any]]:
    """Every status report of ``found``, oldest first, in one query: the RAG history and slip need them all."""
    reports: defaultdict[int, list[Any]] = defaultdict(list)
    for row in (
        StatusReport.objects.filter(project_id__in=found)
        .order_by("project_id", "as_of", "id")
        .values_list(
            "project_id",
            "as_of",
            "overall_rag",
            "schedule_rag",
            "cost_rag",
            "risk_rag",
            "issues_rag",
            "override_rag",
            "percent_complete",
        )
    ):  # 1
        project_id, as_of, overall, schedule, cost, risk, issue, override, percent = row
        reports[project_id].append((as_of, overall, schedule, cost, risk, issue, bool(override), percent))
    return reports


def _open_alert_severities_for(found: list[int]) -> defaultdict[int, list[str]]:
    """The severities of the unresolved model alerts of ``found``, in one query."""
    alerts: defaultdict[int, list[str]] = defaultdict(list)
    for project_id, severity in (
        ModelAlert.objects.filter(deployed_model__project_id__in=found)
        .exclude(state=AlertState.RESOLVED)
        .values_list("deployed_model__project_id", "severity")
    ):  # 1
        alerts[project_id].append(severity)
    return alerts


def _milestones_for(found: list[int]) -> defaultdict[int, list[Any]]:
    """The charter milestones of ``found`` as ``(name, due, done)`` in due order, in one query."""
    milestones: defaultdict[int, list[Any]] = defaultdict(list)
    for project_id, name, due, done in (
        Milestone.objects.filter(charter__project_id__in=found)
        .order_by("charter__project_id", "due_date", "position", "id")
        .values_list("charter__project_id", "name", "due_date", "done")
    ):  # 1
        milestones[project_id].append((name, due, done))
    return milestones


def _phase_transitions_for(found: list[int]) -> defaultdict[int, list[Any]]:
    """The lifecycle phase transitions of ``found`` in time order, in one query (for the phase durations)."""
    transitions: defaultdict[int, list[Any]] = defaultdict(list)
    for project_id, from_phase, to_phase, to_state, at in (
        PhaseTransition.objects.filter(project_id__in=found)
        .order_by("project_id", "at", "id")
        .values_list("project_id", "from_phase", "to_phase", "to_state", "at")
    ):  # 1
        transitions[project_id].append((from_phase, to_phase, to_state, at))
    return transitions


def _gate_decision_counts_for(found: list[int]) -> defaultdict[int, dict[str, int]]:
    """How many decided gate reviews of ``found`` ended with each decision, in one query."""
    decisions: defaultdict[int, dict[str, int]] = defaultdict(dict)
    for project_id, decision, count in (
        GateReview.objects.filter(project_id__in=found, status=GateReviewStatus.DECIDED)
        .values_list("project_id", "decision")
        .annotate(n=Count("id"))
        .order_by()
    ):  # 1
        decisions[project_id][decision] = count
    return decisions


def _project_inputs_for(ids: list[int], today: datetime.date) -> dict[int, ProjectInputs]:
    """All inputs of ``ids`` in 18 queries, whatever the number of projects."""
    projects = {
        project.pk: project
        for project in Project.objects.filter(pk__in=ids).select_related("charter").order_by("pk")  # 1
    }
    found = list(projects)
    earned = adapters.earned_value_inputs_for(found, today)  # 3
    risks = adapters.risk_registers_for(found)  # 1
    issues = adapters.issue_logs_for(found)  # 1
    benefits = adapters.benefit_periods_for(found)  # 1
    statuses = adapters.current_status_for(found)  # 1
    names = dict(Benefit.objects.filter(project_id__in=found).values_list("pk", "name"))  # 1
    reports = _status_history_for(found)  # 1
    alerts = _open_alert_severities_for(found)  # 1
    milestones = _milestones_for(found)  # 1
    transitions = _phase_transitions_for(found)  # 1
    decisions = _gate_decision_counts_for(found)  # 1
    overrides: defaultdict[int, list[RagOverride]] = defaultdict(list)
    for row in RagOverride.objects.filter(project_id__in=found).order_by("created_at", "id"):  # 1
        overrides[row.project_id].append(row)
    result = {}
    for pk, project in projects.items():
        charter = getattr(project, "charter", None)
        result[pk] = ProjectInputs(
            project=project,
            expected_benefit=float_or_none(charter.expected_benefit) if charter else None,
            expected_cost=float_or_none(charter.expected_cost) if charter else None,
            earned=earned[pk],
            risks=risks[pk],
            issues=issues[pk],
            benefits=benefits[pk],
            benefit_names={benefit_id: names.get(benefit_id, "") for benefit_id in benefits[pk]},
            status=statuses.get(pk),
            reports=reports[pk],
            alerts=alerts[pk],
            milestones=milestones[pk],
            transitions=transitions[pk],
            decisions=decisions[pk],
            override=next((row for row in overrides[pk] if row.revoked_at is None), None),
            overrides=overrides[pk],
        )
    return result


def project_results_for(
    ids: Iterable[int], *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> dict[int, ScopeResult]:
    """The snapshots of many projects as of ``today`` (default: the local date) with a fixed number of queries,
    18 whatever the number of projects; projects that do not exist are absent."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    all_inputs = _project_inputs_for(list(ids), today)
    return {
        pk: ScopeResult(
            portfolio_id=inputs.project.portfolio_id, project_id=pk, values=project_values(inputs, today, now)
        )
        for pk, inputs in all_inputs.items()
    }


def _store_overall_rag(project_id: int, result: ScopeResult) -> None:
    """The project's stored RAG follows the snapshot just computed (same transaction as its upsert)."""
    current = next(value for value in result.values if value.metric == "overall_rag" and value.period == "")
    rag.project_overall_rag_store(project_id=project_id, stored=rag.stored_rag_of(current.detail))


@snapshot_computer(ScopeType.PROJECT, scope_ids=lambda: Project.objects.order_by("pk").values_list("pk", flat=True))
def project_compute(project_id: int) -> ScopeResult | None:
    """The project's snapshots; writes its overall RAG back to the project (``services.rag``)."""
    result = project_results_for([project_id]).get(project_id)
    if result is not None:
        _store_overall_rag(project_id, result)
    return result


def projects_compute(ids: Iterable[int], chunk: int = 200) -> int:
    """Compute and store the snapshots of many projects, ``chunk`` at a time (for ``compute_metrics`` and the
    benchmark): the same rows as one ``scope_compute`` per project, with queries per chunk, not per project."""
    from django.db import transaction

    ids = list(ids)
    written = 0
    for offset in range(0, len(ids), chunk):
        with transaction.atomic():
            for pk, result in project_results_for(ids[offset : offset + chunk]).items():
                written += snapshots_upsert(scope_type=ScopeType.PROJECT, scope_id=pk, result=result)
                _store_overall_rag(pk, result)
    return written


# --- portfolio ------------------------------------------------------------------------------------------------


@snapshot_computer(ScopeType.PORTFOLIO, scope_ids=lambda: Portfolio.objects.order_by("pk").values_list("pk", flat=True))
def portfolio_compute(portfolio_id: int) -> ScopeResult | None:
    if not Portfolio.objects.filter(pk=portfolio_id).exists():  # 1
        return None
    now = timezone.now()
    projects = list(
        Project.objects.filter(portfolio_id=portfolio_id).values_list("pk", "ideation_date", "start_date", "created_at")
    )  # 1
    ids = [row[0] for row in projects]
    decisions = dict(
        GateReview.objects.filter(project__portfolio_id=portfolio_id, status=GateReviewStatus.DECIDED)
        .values_list("decision")
        .annotate(n=Count("id"))
        .order_by()
    )  # 1
    transitions = _phase_transitions_for(ids)  # 1
    timelines = phase_timelines([(pk, created) for pk, _ideation, _start, created in projects], transitions, now)
    throughput = gate_throughput(decisions, *phase_days_split(timelines))
    mobilize = value_formulas.time_to_mobilize_summary(
        value_formulas.time_to_mobilize_days(ideation, start) for _pk, ideation, start, _created in projects
    )
    # Read last: the dashboard rollup sums up the project snapshots already stored (portfolios compute last).
    rollup, rollup_values = selectors.portfolio_rollup(Project.objects.filter(portfolio_id=portfolio_id))
    return ScopeResult(
        portfolio_id=portfolio_id,
        project_id=None,
        values=[
            SnapshotValue(selectors.ROLLUP_METRIC, float(len(projects)), detail=rollup),
            SnapshotValue(selectors.ROLLUP_VALUES_METRIC, float(len(projects)), detail=rollup_values),
            SnapshotValue("gate_throughput", throughput["rates"][GateDecision.GO], detail=throughput),
            SnapshotValue(
                "time_to_mobilize_summary",
                mobilize.median_days,
                detail={"projects": mobilize.projects, "median": mobilize.median_days, "p85": mobilize.p85_days},
            ),
        ],
    )
