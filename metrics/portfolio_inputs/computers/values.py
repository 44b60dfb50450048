"""Snapshot values of one project (scope "project"), computed from its bulk-loaded inputs without queries: RAGs,
earned value, cost curve, risk and issues, benefits and value, schedule and governance (see ``compute_portfolio``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lifecycle.choices import GateDecision
from lifecycle.models import Project
from metrics.formulas import portfolio as formulas
from metrics.formulas import value as value_formulas
from metrics.formulas.bands import Rag
from metrics.formulas.calendar import month_end, month_start
from metrics.formulas.lifecycle import phase_durations
from metrics.portfolio_inputs import adapters
from metrics.portfolio_inputs.computers.parts import (
    ALERT_IMPACT,
    DIMENSION_METRICS,
    DIMENSIONS,
    ISSUE_SERIES_DAYS,
    forecast_finish,
    month_key,
    months_between,
    rag_value,
)
from metrics.portfolio_inputs.models import StatusReport
from metrics.snapshots.detail import iso_or_none
from metrics.snapshots.registry import SnapshotValue

# --- project inputs -------------------------------------------------------------------------------------------


@dataclass
class ProjectInputs:
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


# --- project values -------------------------------------------------------------------------------------------


def _rag_values(inputs: ProjectInputs, ev: formulas.EarnedValue, risk: Rag, issue: Rag) -> list[SnapshotValue]:
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
            "as_of": iso_or_none(status.as_of),
            "source": "status report",
        }
    else:
        overall = {"rag": "", "derived": "", "overridden": False, "reason": "", "as_of": None, "source": ""}
    values.append(SnapshotValue("overall_rag", rag_value(str(overall["rag"])), detail=overall))
    return values


def _earned_value_values(inputs: ProjectInputs, today: datetime.date) -> tuple[formulas.EarnedValue, list[Any]]:
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


def _cost_curve_values(inputs: ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[SnapshotValue]:
    earned = inputs.earned
    starts = [period.start for period in earned.budget] + [entry.day for entry in earned.costs]
    if not starts:
        return [SnapshotValue("cost_curve", ev.eac_typical, detail={"days": []})]
    ends = [period.end for period in earned.budget] + [entry.day for entry in earned.costs] + [today]
    months = months_between(min(starts), max(ends))
    days = [min(month_end(month), today) if month <= today else month_end(month) for month in months]
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
        end = month_end(month)
        values.append(SnapshotValue("cost_planned", point.planned, period, month, end))
        if in_past:
            values.append(SnapshotValue("cost_actual", actual, period, month, end))
            values.append(SnapshotValue("earned_value", earned_value, period, month, end))
    detail = {**series, "bac": bac, "eac": ev.eac_typical, "forecast": ev.eac_typical, "as_of": today.isoformat()}
    values.append(SnapshotValue("cost_curve", ev.eac_typical, detail=detail))
    return values


def _risk_issue_values(inputs: ProjectInputs, today: datetime.date) -> tuple[Rag, Rag, list[SnapshotValue]]:
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


def _benefit_value_values(inputs: ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[Any]:
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
            detail={"ideation": iso_or_none(project.ideation_date), "start": iso_or_none(project.start_date)},
        ),
        SnapshotValue("expected_roi", expected, detail=roi_detail),
        SnapshotValue("realized_roi", realized_return, detail=roi_detail),
        SnapshotValue(
            "payback_months",
            None if payback is None else float(payback),
            detail={"costs": payback_costs, "monthly_realized": dict(sorted(monthly.items()))},
        ),
    ]


def _schedule_values(inputs: ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[SnapshotValue]:
    project = inputs.project
    forecast, method = forecast_finish(project, ev.spi, today)
    baseline = project.target_end_date
    slip = value_formulas.schedule_slip_days(baseline, forecast) if baseline and forecast else None
    milestones = []
    for name, due, done in inputs.milestones:
        # A milestone is only ticked done (no completion date): done counts as done on its due date.
        status = value_formulas.milestone_status(due, due if done else None, today) if due else "undated"
        milestones.append({"name": name, "due": iso_or_none(due), "done": done, "status": status})
    overdue = sum(1 for item in milestones if item["status"] == "overdue")
    return [
        SnapshotValue(
            "schedule_slip",
            None if slip is None else float(slip),
            detail={
                "baseline_start": iso_or_none(project.start_date or project.ideation_date),
                "baseline_end": iso_or_none(baseline),
                "forecast_start": iso_or_none(project.start_date or project.ideation_date),
                "forecast_end": iso_or_none(forecast),
                "method": method,
            },
        ),
        SnapshotValue("milestone_status", float(overdue), detail={"milestones": milestones}),
    ]


def _governance_values(inputs: ProjectInputs, now: datetime.datetime) -> list[SnapshotValue]:
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
                period_start=month_start(as_of),
                period_end=month_end(as_of),
                detail=detail,
            )
        )
    return values


def project_values(inputs: ProjectInputs, today: datetime.date, now: datetime.datetime) -> list[SnapshotValue]:
    ev, values = _earned_value_values(inputs, today)
    risk, issue, risk_issue = _risk_issue_values(inputs, today)
    values += risk_issue
    values += _rag_values(inputs, ev, risk, issue)
    values += _cost_curve_values(inputs, ev, today)
    values += _benefit_value_values(inputs, ev, today)
    values += _schedule_values(inputs, ev, today)
    values += _governance_values(inputs, now)
    return values


__all__ = ["project_values"]
