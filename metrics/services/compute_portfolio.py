"""Snapshot computers of the portfolio area: one per project, per portfolio and per person.

Each computer loads its inputs through ``metrics.adapters.portfolio`` (and a few direct reads of the lifecycle
timeline) with a fixed number of queries, calls the pure formulas, and returns ``SnapshotValue``s. The dashboards
read what is written here and never call a formula on request.

Project snapshots (scope "project"):
- period "": the headline numbers as of today (RAGs, earned value, cost, risk, issues, benefits, value, slip,
  milestones) with what a chart needs in ``detail``;
- period "YYYY-MM": the cumulative ``cost_planned`` / ``cost_actual`` / ``earned_value`` at each month's end (the
  portfolio S-curve is their sum) and the ``overall_rag`` of the month's last status report (RAG history);
- period = a phase: ``phase_duration`` (days spent in it, from the lifecycle's phase transitions);
- period = a decision: ``gate_decisions`` (how many gate reviews ended with it).
Portfolio snapshots: ``gate_throughput``, ``time_to_mobilize_summary`` and the ``dashboard_rollup`` (what the
unfiltered portfolio dashboard shows, summed up from the stored project snapshots). Person snapshots:
``resource_utilization`` per ISO week around today (planned / actual / forecast, over-capacity flag).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Count
from django.utils import timezone

from lifecycle.choices import GateDecision, GateReviewStatus, Phase
from lifecycle.models import GateReview, Milestone, PhaseTransition, Project
from metrics import selectors
from metrics.adapters import portfolio as adapters
from metrics.choices import AlertState, ScopeType
from metrics.formulas import portfolio as formulas
from metrics.formulas import value as value_formulas
from metrics.formulas.bands import RAG_SEVERITY, Rag
from metrics.models import Benefit, ModelAlert, StatusReport
from portfolio.models import Membership

from .snapshots import COMPUTERS, ScopeResult, SnapshotValue, snapshot_computer, snapshots_upsert

#: An unresolved model alert weighs in risk exposure as a certain risk (probability 1) of this impact (1-5 scale).
ALERT_IMPACT = {"low": 1, "medium": 2, "high": 3, "critical": 5}
#: The issue chart shows the last 90 days of the daily opened / closed series.
ISSUE_SERIES_DAYS = 90
#: The utilization heatmap covers 8 weeks back and 8 weeks ahead of the current week.
UTILIZATION_WEEKS_BACK = 8
UTILIZATION_WEEKS_AHEAD = 8
DIMENSIONS = ("schedule", "cost", "risk", "issues")
DIMENSION_METRICS = {
    "schedule": "schedule_health",
    "cost": "cost_health",
    "risk": "risk_health",
    "issues": "issue_health",
}


def rag_value(rag: Rag | str | None) -> float | None:
    """A RAG as the snapshot's number: green 0, yellow 1, red 2 (None: not assessed), so SQL can sort by it."""
    if not rag:
        return None
    return float(RAG_SEVERITY[Rag(rag)])


def month_key(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """First days of every month from ``first``'s month to ``last``'s month, inclusive."""
    months, current = [], _month_start(first)
    while current <= last:
        months.append(current)
        current = _month_end(current) + datetime.timedelta(days=1)
    return months


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def _num(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


# --- project inputs (bulk) --------------------------------------------------------------------------------------


@dataclass
class _ProjectInputs:
    """Every row one project's computation needs, loaded for many projects at once."""

    project: Project
    expected_benefit: float | None
    expected_cost: float | None
    earned: adapters.EarnedValueInputs
    risks: list[formulas.Risk]
    issues: list[formulas.Issue]
    benefits: dict[int, list[value_formulas.BenefitPeriod]]
    benefit_names: dict[int, str]
    status: StatusReport | None
    reports: list[tuple[datetime.date, str, str, str, str, str, bool, Decimal | None]]
    alerts: list[str]  # severities of unresolved model alerts
    milestones: list[tuple[str, datetime.date | None, bool]]
    transitions: list[tuple[str, str, datetime.datetime]]  # from phase, to phase, at
    decisions: dict[str, int]


def _project_inputs_for(ids: list[int], today: datetime.date) -> dict[int, _ProjectInputs]:
    """All inputs of ``ids`` in 17 queries, whatever the number of projects."""
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
    reports: dict[int, list[Any]] = defaultdict(list)
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
    alerts: dict[int, list[str]] = defaultdict(list)
    for project_id, severity in (
        ModelAlert.objects.filter(deployed_model__project_id__in=found)
        .exclude(state=AlertState.RESOLVED)
        .values_list("deployed_model__project_id", "severity")
    ):  # 1
        alerts[project_id].append(severity)
    milestones: dict[int, list[Any]] = defaultdict(list)
    for project_id, name, due, done in (
        Milestone.objects.filter(charter__project_id__in=found)
        .order_by("charter__project_id", "due_date", "position", "id")
        .values_list("charter__project_id", "name", "due_date", "done")
    ):  # 1
        milestones[project_id].append((name, due, done))
    transitions: dict[int, list[Any]] = defaultdict(list)
    for project_id, from_phase, to_phase, at in (
        PhaseTransition.objects.filter(project_id__in=found)
        .order_by("project_id", "at", "id")
        .values_list("project_id", "from_phase", "to_phase", "at")
    ):  # 1
        transitions[project_id].append((from_phase, to_phase, at))
    decisions: dict[int, dict[str, int]] = defaultdict(dict)
    for project_id, decision, count in (
        GateReview.objects.filter(project_id__in=found, status=GateReviewStatus.DECIDED)
        .values_list("project_id", "decision")
        .annotate(n=Count("id"))
        .order_by()
    ):  # 1
        decisions[project_id][decision] = count
    result = {}
    for pk, project in projects.items():
        charter = getattr(project, "charter", None)
        result[pk] = _ProjectInputs(
            project=project,
            expected_benefit=_num(charter.expected_benefit) if charter else None,
            expected_cost=_num(charter.expected_cost) if charter else None,
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
        )
    return result


# --- project values -------------------------------------------------------------------------------------------


def _rag_values(inputs: _ProjectInputs, ev: formulas.EarnedValue, risk: Rag, issue: Rag) -> list[SnapshotValue]:
    status = inputs.status
    reported = {
        "schedule": status.schedule_rag if status else "",
        "cost": status.cost_rag if status else "",
        "risk": status.risk_rag if status else "",
        "issues": status.issues_rag if status else "",
    }
    computed: dict[str, Rag | None] = {
        "schedule": formulas.INDEX_BANDS.rag(ev.spi),
        "cost": formulas.INDEX_BANDS.rag(ev.cpi),
        "risk": risk,
        "issues": issue,
    }
    values = []
    for dimension in DIMENSIONS:
        rag = computed[dimension]
        source = "computed"
        if rag is None and reported[dimension]:
            rag, source = Rag(reported[dimension]), "reported"
        values.append(
            SnapshotValue(
                DIMENSION_METRICS[dimension],
                rag_value(rag),
                detail={
                    "rag": rag.value if rag else "",
                    "source": source if rag else "",
                    "reported": reported[dimension],
                },
            )
        )
    if status is not None:
        overall = {
            "rag": status.overall_rag,
            "derived": status.derived_rag,
            "overridden": status.is_overridden,
            "reason": status.override_reason,
            "as_of": _iso(status.as_of),
            "source": "status report",
        }
    else:
        overall = {"rag": "", "derived": "", "overridden": False, "reason": "", "as_of": None, "source": ""}
    values.append(SnapshotValue("overall_rag", rag_value(str(overall["rag"])), detail=overall))
    return values


def _earned_value_values(inputs: _ProjectInputs, today: datetime.date) -> tuple[formulas.EarnedValue, list[Any]]:
    earned = inputs.earned
    ev = earned.summary()
    detail = {"bac": ev.budget_at_completion, "progress_reported": earned.progress_reported}
    values = [
        SnapshotValue("planned_value", ev.planned_value, detail=detail),
        SnapshotValue("earned_value", ev.earned_value, detail=detail),
        SnapshotValue("spi", ev.spi, detail=detail),
        SnapshotValue("cpi", ev.cpi, detail=detail),
        SnapshotValue("cost_variance", ev.cost_variance, detail=detail),
        SnapshotValue("schedule_variance", ev.schedule_variance, detail=detail),
        SnapshotValue("eac_typical", ev.eac_typical, detail=detail),
        SnapshotValue("eac_atypical", ev.eac_atypical, detail=detail),
        SnapshotValue("etc", ev.etc, detail=detail),
        SnapshotValue("vac", ev.vac, detail=detail),
        SnapshotValue("tcpi", ev.tcpi, detail=detail),
        SnapshotValue("cost_planned", formulas.planned_cost_to_date(earned.budget, today), detail=detail),
        SnapshotValue("cost_actual", ev.actual_cost, detail=detail),
    ]
    return ev, values


def _percent_on(reports: Sequence[Any], day: datetime.date) -> float:
    """Actual % complete on ``day``: the latest report on or before it that states progress (0 before any)."""
    percent = 0.0
    for report in reports:
        if report[0] > day:
            break
        if report[7] is not None:
            percent = float(report[7])
    return percent


def _cost_curve_values(inputs: _ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[SnapshotValue]:
    earned = inputs.earned
    starts = [period.start for period in earned.budget] + [entry.day for entry in earned.costs]
    if not starts:
        return [SnapshotValue("cost_curve", ev.eac_typical, detail={"days": []})]
    ends = [period.end for period in earned.budget] + [entry.day for entry in earned.costs] + [today]
    months = months_between(min(starts), max(ends))
    days = [min(_month_end(month), today) if month <= today else _month_end(month) for month in months]
    curve = formulas.cost_curve(earned.budget, earned.costs, days)
    bac = ev.budget_at_completion
    series: dict[str, list[Any]] = {"days": [], "planned": [], "actual": [], "earned": []}
    values = []
    for month, point in zip(months, curve, strict=True):
        period = month_key(month)
        in_past = month <= today
        actual = point.actual if in_past else None
        earned_value = formulas.earned_value(bac, _percent_on(inputs.reports, point.day)) if in_past else None
        series["days"].append(point.day.isoformat())
        series["planned"].append(point.planned)
        series["actual"].append(actual)
        series["earned"].append(earned_value)
        end = _month_end(month)
        values.append(SnapshotValue("cost_planned", point.planned, period, month, end))
        if in_past:
            values.append(SnapshotValue("cost_actual", actual, period, month, end))
            values.append(SnapshotValue("earned_value", earned_value, period, month, end))
    detail = {**series, "bac": bac, "eac": ev.eac_typical, "forecast": ev.eac_typical, "as_of": today.isoformat()}
    values.append(SnapshotValue("cost_curve", ev.eac_typical, detail=detail))
    return values


def _risk_issue_values(inputs: _ProjectInputs, today: datetime.date) -> tuple[Rag, Rag, list[SnapshotValue]]:
    alert_risks = [formulas.Risk(probability=1, impact=ALERT_IMPACT[severity]) for severity in inputs.alerts]
    register = inputs.risks + alert_risks
    exposure = formulas.risk_exposure(register)
    risk = formulas.risk_health(register)
    risk_detail = {
        "open_risks": sum(1 for item in inputs.risks if item.is_open),
        "risk_exposure": formulas.risk_exposure(inputs.risks),
        "open_alerts": len(alert_risks),
        "alert_exposure": formulas.risk_exposure(alert_risks),
        "rag": risk.value,
    }
    load = formulas.issue_load(inputs.issues, today)
    issue = formulas.issue_health(inputs.issues, today)
    start = today - datetime.timedelta(days=ISSUE_SERIES_DAYS - 1)
    series = formulas.issue_daily_series(inputs.issues, start, today) if inputs.issues else []
    issue_detail = {
        "open": sum(1 for item in inputs.issues if item.is_open_on(today)),
        "rag": issue.value,
        "days": [day.day.isoformat() for day in series],
        "opened": [day.opened for day in series],
        "closed": [day.closed for day in series],
        "open_at_end": [day.open_at_end for day in series],
    }
    values = [
        SnapshotValue("risk_exposure", exposure, detail=risk_detail),
        SnapshotValue("issue_load", load, detail=issue_detail),
    ]
    return risk, issue, values


def _benefit_value_values(inputs: _ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[Any]:
    per_benefit, planned_total, realized_total, measured = [], 0.0, 0.0, False
    monthly: dict[str, float] = defaultdict(float)
    for benefit_id, periods in inputs.benefits.items():
        planned = sum((float(period.planned) for period in periods if period.period_end <= today), 0.0)
        realized = sum(
            float(period.realized) for period in periods if period.period_end <= today and period.realized is not None
        )
        for period in periods:
            if period.period_end <= today and period.realized is not None:
                measured = True
                monthly[month_key(period.period_end)] += float(period.realized)
        planned_total, realized_total = planned_total + planned, realized_total + realized
        per_benefit.append(
            {
                "id": benefit_id,
                "name": inputs.benefit_names.get(benefit_id, ""),
                "planned": planned,
                "realized": realized,
                "realization": value_formulas.benefit_realization(periods, today),
            }
        )
    rollup = value_formulas.benefit_realization_rollup(inputs.benefits.values(), today)
    project = inputs.project
    mobilize = value_formulas.time_to_mobilize_days(project.ideation_date, project.start_date)
    expected = (
        value_formulas.expected_roi(inputs.expected_benefit, inputs.expected_cost)
        if inputs.expected_benefit is not None and inputs.expected_cost is not None
        else None
    )
    realized_benefits = realized_total if measured else None
    realized_return = value_formulas.realized_roi(realized_benefits, ev.actual_cost)
    payback_costs: float = inputs.expected_cost if inputs.expected_cost is not None else ev.budget_at_completion
    months = [monthly[key] for key in sorted(monthly)]
    payback = value_formulas.payback_months(payback_costs, months) if measured else None
    roi_detail = {
        "expected_benefit": inputs.expected_benefit,
        "expected_cost": inputs.expected_cost,
        "realized_benefit": realized_benefits,
        "actual_cost": ev.actual_cost,
    }
    return [
        SnapshotValue(
            "benefit_realization_rollup",
            rollup,
            detail={"planned": planned_total, "realized": realized_total, "benefits": per_benefit},
        ),
        SnapshotValue(
            "time_to_mobilize",
            None if mobilize is None else float(mobilize),
            detail={"ideation": _iso(project.ideation_date), "start": _iso(project.start_date)},
        ),
        SnapshotValue("expected_roi", expected, detail=roi_detail),
        SnapshotValue("realized_roi", realized_return, detail=roi_detail),
        SnapshotValue(
            "payback_months",
            None if payback is None else float(payback),
            detail={"costs": payback_costs, "monthly_realized": dict(sorted(monthly.items()))},
        ),
    ]


def forecast_finish(project: Project, spi: float | None, today: datetime.date) -> tuple[datetime.date | None, str]:
    """Forecast finish: the actual end once closed; else start + planned duration / SPI when SPI is known; else the
    baseline, pushed to today when it has passed without the project finishing."""
    if project.actual_end_date:
        return project.actual_end_date, "actual end"
    baseline = project.target_end_date
    if baseline is None:
        return None, ""
    if project.start_date and spi:
        planned_days = max((baseline - project.start_date).days, 0)
        forecast = project.start_date + datetime.timedelta(days=round(planned_days / spi))
        return max(forecast, today), "start + planned duration / SPI"
    return max(baseline, today), "baseline (no SPI yet)"


def _schedule_values(inputs: _ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[SnapshotValue]:
    project = inputs.project
    forecast, method = forecast_finish(project, ev.spi, today)
    baseline = project.target_end_date
    slip = value_formulas.schedule_slip_days(baseline, forecast) if baseline and forecast else None
    milestones = []
    for name, due, done in inputs.milestones:
        # A milestone is only ticked done (no completion date): done counts as done on its due date.
        status = value_formulas.milestone_status(due, due if done else None, today) if due else "undated"
        milestones.append({"name": name, "due": _iso(due), "done": done, "status": status})
    overdue = sum(1 for item in milestones if item["status"] == "overdue")
    return [
        SnapshotValue(
            "schedule_slip",
            None if slip is None else float(slip),
            detail={
                "baseline_start": _iso(project.start_date or project.ideation_date),
                "baseline_end": _iso(baseline),
                "forecast_start": _iso(project.start_date or project.ideation_date),
                "forecast_end": _iso(forecast),
                "method": method,
            },
        ),
        SnapshotValue("milestone_status", float(overdue), detail={"milestones": milestones}),
    ]


def phase_durations(
    transitions: Sequence[tuple[str, str, datetime.datetime]], created: datetime.datetime, now: datetime.datetime
) -> tuple[dict[str, float], str]:
    """Days spent in each phase from the phase transitions (state-only changes ignored); the current phase runs
    to ``now``. Returns ({phase: days}, current phase)."""
    entered: list[tuple[str, datetime.datetime]] = []
    for from_phase, to_phase, at in transitions:
        if not entered or to_phase != entered[-1][0]:
            if not entered and from_phase and from_phase != to_phase:
                entered.append((from_phase, created))
            entered.append((to_phase, at))
    if not entered:
        return {}, ""
    durations: dict[str, float] = defaultdict(float)
    for (phase, start), (_, end) in zip(entered, [*entered[1:], ("", now)], strict=True):
        durations[phase] += max((end - start).total_seconds(), 0.0) / 86400
    return dict(durations), entered[-1][0]


def _governance_values(inputs: _ProjectInputs, now: datetime.datetime) -> list[SnapshotValue]:
    project = inputs.project
    durations, current = phase_durations(inputs.transitions, project.created_at, now)
    values = [
        SnapshotValue("phase_duration", round(days, 3), period=phase, detail={"current": phase == current})
        for phase, days in durations.items()
    ]
    values += [
        SnapshotValue("gate_decisions", float(inputs.decisions.get(decision, 0)), period=decision)
        for decision in GateDecision.values
    ]
    months: dict[str, Any] = {}
    for as_of, overall, schedule, cost, risk, issue, overridden, _percent in inputs.reports:
        months[month_key(as_of)] = (as_of, overall, schedule, cost, risk, issue, overridden)
    for period, (as_of, overall, schedule, cost, risk, issue, overridden) in months.items():
        detail = {
            "rag": overall,
            "as_of": as_of.isoformat(),
            "schedule": schedule,
            "cost": cost,
            "risk": risk,
            "issues": issue,
            "overridden": overridden,
            "phase": project.phase,
        }
        values.append(
            SnapshotValue(
                "overall_rag",
                rag_value(overall),
                period=period,
                period_start=_month_start(as_of),
                period_end=_month_end(as_of),
                detail=detail,
            )
        )
    return values


def project_values(inputs: _ProjectInputs, today: datetime.date, now: datetime.datetime) -> list[SnapshotValue]:
    ev, values = _earned_value_values(inputs, today)
    risk, issue, risk_issue = _risk_issue_values(inputs, today)
    values += risk_issue
    values += _rag_values(inputs, ev, risk, issue)
    values += _cost_curve_values(inputs, ev, today)
    values += _benefit_value_values(inputs, ev, today)
    values += _schedule_values(inputs, ev, today)
    values += _governance_values(inputs, now)
    return values


def project_results_for(
    ids: Iterable[int], *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> dict[int, ScopeResult]:
    """The snapshots of many projects as of ``today`` (default: the local date) with a fixed number of queries,
    17 whatever the number of projects; projects that do not exist are absent."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    all_inputs = _project_inputs_for(list(ids), today)
    return {
        pk: ScopeResult(
            portfolio_id=inputs.project.portfolio_id, project_id=pk, values=project_values(inputs, today, now)
        )
        for pk, inputs in all_inputs.items()
    }


@snapshot_computer(ScopeType.PROJECT)
def project_compute(project_id: int) -> ScopeResult | None:
    return project_results_for([project_id]).get(project_id)


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
    return written


# --- portfolio ------------------------------------------------------------------------------------------------


def gate_throughput(decisions: dict[str, int], durations: dict[str, list[float]]) -> dict[str, Any]:
    """Gate decision counts and rates (share of decided reviews) and the median days spent in each phase."""
    total = sum(decisions.values())
    return {
        "decided": total,
        "counts": {decision: decisions.get(decision, 0) for decision in GateDecision.values},
        "rates": {
            decision: (decisions.get(decision, 0) / total if total else None) for decision in GateDecision.values
        },
        "median_days": {
            phase: (float(np.median(durations[phase])) if durations.get(phase) else None) for phase in Phase.values
        },
    }


@snapshot_computer(ScopeType.PORTFOLIO)
def portfolio_compute(portfolio_id: int) -> ScopeResult | None:
    from portfolio.models import Portfolio

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
    transitions: dict[int, list[Any]] = defaultdict(list)
    for project_id, from_phase, to_phase, at in (
        PhaseTransition.objects.filter(project_id__in=ids)
        .order_by("project_id", "at", "id")
        .values_list("project_id", "from_phase", "to_phase", "at")
    ):  # 1
        transitions[project_id].append((from_phase, to_phase, at))
    durations: dict[str, list[float]] = defaultdict(list)
    for pk, _ideation, _start, created in projects:
        for phase, days in phase_durations(transitions[pk], created, now)[0].items():
            durations[phase].append(days)
    throughput = gate_throughput(decisions, durations)
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


# --- person ---------------------------------------------------------------------------------------------------


def utilization_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    return (
        monday - datetime.timedelta(weeks=UTILIZATION_WEEKS_BACK),
        monday + datetime.timedelta(weeks=UTILIZATION_WEEKS_AHEAD),
    )


@snapshot_computer(ScopeType.PERSON)
def person_compute(person_id: int) -> ScopeResult | None:
    return person_result(person_id)


def person_result(person_id: int, today: datetime.date | None = None) -> ScopeResult | None:
    """Utilization of one person per week; the snapshot belongs to the person's first portfolio (the dashboards
    find it by person, not by portfolio). None when the person belongs to no portfolio. 4 queries."""
    portfolio_id = (
        Membership.objects.filter(user_id=person_id)
        .order_by("portfolio_id")
        .values_list("portfolio_id", flat=True)
        .first()
    )  # 1
    if portfolio_id is None:
        return None
    today = today or timezone.localdate()
    first, last = utilization_window(today)
    weeks: list[dict[str, Any]] = []
    utilizations = []
    for cell in adapters.utilization_inputs(first_week=first, last_week=last, as_of=today, person_ids=[person_id]):
        utilization = cell.compute()
        utilizations.append(utilization)
        weeks.append(
            {
                "week": cell.week.isoformat(),
                "capacity": utilization.capacity,
                "allocated": float(cell.allocated),
                "logged": float(cell.logged),
                "planned": utilization.planned,
                "actual": utilization.actual,
                "forecast": utilization.forecast,
                "over": utilization.over_capacity,
            }
        )
    peaks = [
        value
        for utilization_week in utilizations
        for value in (utilization_week.planned, utilization_week.actual, utilization_week.forecast)
        if value is not None
    ]
    return ScopeResult(
        portfolio_id=portfolio_id,
        project_id=None,
        values=[
            SnapshotValue(
                "resource_utilization",
                max(peaks) if peaks else None,
                period_start=first,
                period_end=last,
                detail={"weeks": weeks, "over_weeks": sum(1 for week in weeks if week["over"])},
            )
        ],
    )


__all__ = [
    "ALERT_IMPACT",
    "COMPUTERS",
    "forecast_finish",
    "gate_throughput",
    "months_between",
    "person_compute",
    "person_result",
    "phase_durations",
    "portfolio_compute",
    "project_compute",
    "project_results_for",
    "projects_compute",
    "rag_value",
]
