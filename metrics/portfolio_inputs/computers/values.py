"""Snapshot values of one project (scope "project"), computed from its bulk-loaded inputs without queries: RAGs,
earned value, cost curve, risk and issues, benefits and value, schedule and governance (see ``compute_portfolio``)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lifecycle.choices import GateDecision
from lifecycle.models import Project
from metrics.formulas import portfolio as formulas
from metrics.formulas import value as value_formulas
from metrics.formulas.bands import Rag
from metrics.formulas.calendar import month_end, month_start
from metrics.formulas.lifecycle import Transition, phase_durations
from metrics.portfolio_inputs import adapters
from metrics.portfolio_inputs.computers.parts import (
    ALERT_IMPACT,
    DIMENSION_METRICS,
    DIMENSIONS,
    ISSUE_SERIES_DAYS,
    forecast_finish,
    month_key,
    monthly_cost_points,
    percent_complete_on,
    rag_value,
)
from metrics.portfolio_inputs.models import RagOverride, StatusReport
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
    transitions: list[Transition]  # from phase, to phase, to state, at
    decisions: dict[str, int]
    override: RagOverride | None = None  # the unrevoked manager override, if any (in force or lapsed)
    overrides: list[RagOverride] = field(default_factory=list)  # every override ever made, oldest first


# --- project values -------------------------------------------------------------------------------------------


def _dimension_values(
    inputs: ProjectInputs, ev: formulas.EarnedValue, risk: Rag, issue: Rag
) -> tuple[dict[str, Rag | None], list[SnapshotValue]]:
    """Each dimension's RAG: computed from the inputs; schedule and cost fall back to the PM's report when there
    is no earned value to compute them from. With no input behind any of them (``_is_assessed``), every dimension
    is "not assessed" like the overall, never the green an empty register would rate."""
    status = inputs.status
    reported = {
        "schedule": status.schedule_rag if status else "",
        "cost": status.cost_rag if status else "",
        "risk": status.risk_rag if status else "",
        "issues": status.issues_rag if status else "",
    }
    shown: dict[str, Rag | None] = {
        "schedule": formulas.INDEX_BANDS.rag(ev.spi),
        "cost": formulas.INDEX_BANDS.rag(ev.cpi),
        "risk": risk,
        "issues": issue,
    }
    sources = dict.fromkeys(DIMENSIONS, "computed")
    for dimension in DIMENSIONS:
        if shown[dimension] is None and reported[dimension]:
            shown[dimension], sources[dimension] = Rag(reported[dimension]), "reported"
    if not _is_assessed(inputs, shown):
        shown = dict.fromkeys(DIMENSIONS)
    values = []
    for dimension in DIMENSIONS:
        rag = shown[dimension]
        source = sources[dimension] if rag else ""
        detail = {"rag": rag.value if rag else "", "source": source, "reported": reported[dimension]}
        values.append(SnapshotValue(DIMENSION_METRICS[dimension], rag_value(rag), detail=detail))
    return shown, values


def _is_assessed(inputs: ProjectInputs, shown: dict[str, Rag | None]) -> bool:
    """Some input stands behind the dimensions: earned value (or a report) for schedule or cost, a status report,
    a risk, an issue or a model alert. An empty register alone rates green but assesses nothing."""
    has_register = bool(inputs.risks or inputs.issues or inputs.alerts)
    return inputs.status is not None or has_register or any(shown[name] for name in ("schedule", "cost"))


def _rag_values(
    inputs: ProjectInputs, ev: formulas.EarnedValue, risk: Rag, issue: Rag, today: datetime.date
) -> list[SnapshotValue]:
    """The four dimension RAGs and the overall: worst of the four (``formulas.overall_rag``), not assessed when no
    input stands behind them, replaced by a manager's override in force today; the PM's reported overall is kept
    beside it, and ``differs`` flags when it is not the computed one."""
    counted, values = _dimension_values(inputs, ev, risk, issue)
    override = inputs.override if inputs.override and inputs.override.is_active_on(today) else None
    result = formulas.overall_rag(
        counted["schedule"],
        counted["cost"],
        counted["risk"],
        counted["issues"],
        override=Rag(override.rag) if override else None,
        override_reason=override.reason if override else "",
    )
    status = inputs.status
    reported = status.overall_rag if status else ""
    derived = result.derived.value if result.derived else ""
    overall = {
        "rag": result.value.value if result.value else "",
        "derived": derived,
        "overridden": result.overridden,
        "reason": result.reason,
        "override_until": iso_or_none(override.expires_on) if override else None,
        "reported": reported,
        "as_of": iso_or_none(status.as_of) if status else None,
        "differs": bool(reported and derived and reported != derived),
        "source": "override" if result.overridden else ("computed" if derived else ""),
    }
    values.append(SnapshotValue("overall_rag", rag_value(str(overall["rag"])), detail=overall))
    return values


def _earned_value_detail(inputs: ProjectInputs, ev: formulas.EarnedValue) -> dict[str, Any]:
    """What every earned-value panel states beside its number: the data date PV, EV and AC are taken at, and the
    plan and the spending projected to the computation day, labelled as a projection."""
    earned = inputs.earned
    return {
        "bac": ev.budget_at_completion,
        "progress_reported": earned.progress_reported,
        "data_date": earned.data_date.isoformat(),
        "as_of": earned.as_of.isoformat(),
        "finished": earned.finished,
        "projection_to_today": {
            "label": f"projection to {earned.as_of.isoformat()} (not used in PV, EV, AC or the indices)",
            "day": earned.as_of.isoformat(),
            "planned_cost": earned.planned_cost_today,
            "actual_cost": earned.actual_cost_today,
        },
    }


def _earned_value_values(inputs: ProjectInputs) -> tuple[formulas.EarnedValue, list[Any]]:
    """PV, EV, AC and everything derived from them at the project's data date (``EarnedValueInputs.data_date``);
    ``cost_planned`` / ``cost_actual`` are PV and AC at that date too, so a panel's numbers share one date."""
    ev = inputs.earned.summary()
    detail = _earned_value_detail(inputs, ev)
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
        SnapshotValue("cost_planned", ev.planned_value, detail=detail),
        SnapshotValue("cost_actual", ev.actual_cost, detail=detail),
    ]
    return ev, values


def _cost_curve_values(inputs: ProjectInputs, ev: formulas.EarnedValue, today: datetime.date) -> list[SnapshotValue]:
    """The monthly S-curve rows (cumulative values at each month's end, capped at today; each row's ``detail``
    holds its ``increment`` over the month before, which portfolio sums add up) and the ``cost_curve`` summary."""
    earned = inputs.earned
    points = monthly_cost_points(earned.budget, earned.costs, today)
    if not points:
        return [SnapshotValue("cost_curve", ev.eac_typical, detail={"days": [], "data_date": None})]
    bac = ev.budget_at_completion
    series: dict[str, list[Any]] = {"days": [], "planned": [], "actual": [], "earned": []}
    values, previous = [], {"cost_planned": 0.0, "cost_actual": 0.0, "earned_value": 0.0}
    for month, point in points:
        in_past = month <= today
        actual = point.actual if in_past else None
        earned_value = formulas.earned_value(bac, percent_complete_on(inputs.reports, point.day)) if in_past else None
        series["days"].append(point.day.isoformat())
        series["planned"].append(point.planned)
        series["actual"].append(actual)
        series["earned"].append(earned_value)
        cumulative = {"cost_planned": point.planned, "cost_actual": actual, "earned_value": earned_value}
        for metric, value in cumulative.items():
            if value is None:
                continue
            increment = value - previous[metric]
            previous[metric] = value
            row = SnapshotValue(metric, value, month_key(month), month, month_end(month), {"increment": increment})
            values.append(row)
    detail = {
        **series,
        "bac": bac,
        "eac": ev.eac_typical,
        "forecast": ev.eac_typical,
        "as_of": today.isoformat(),
        "data_date": earned.data_date.isoformat(),
        "finished": earned.finished,
    }
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
    values = [
        SnapshotValue(
            "phase_duration",
            round(time.days, 3),
            period=phase,
            detail={"current": time.current, "in_progress": time.in_progress, "ended_by": time.ended_by},
        )
        for phase, time in phase_durations(inputs.transitions, project.created_at, now).items()
    ]
    values += [
        SnapshotValue("gate_decisions", float(inputs.decisions.get(decision, 0)), period=decision)
        for decision in GateDecision.values
    ]
    return values


def _as_rag(value: str) -> Rag | None:
    """A report's dimension RAG; blank (not stated) counts as not assessed."""
    return Rag(value) if value in {rag.value for rag in Rag} else None


def _rag_history_values(inputs: ProjectInputs, current: dict[str, Any], today: datetime.date) -> list[SnapshotValue]:
    """The monthly RAG history, by the same rule as today's value: the worst of the four dimension RAGs of the
    month's last status report, replaced by the manager's override in force at the month's end; the current
    month shows today's computed value. The PM's reported overall stays beside it (``reported``)."""
    months: dict[str, Any] = {}
    for as_of, reported, schedule, cost, risk, issue, _pm_override, _percent in inputs.reports:
        months[month_key(as_of)] = (as_of, reported, schedule, cost, risk, issue)
    values = []
    for period, (as_of, reported, schedule, cost, risk, issue) in months.items():
        if period == month_key(today):
            rag, derived = current["rag"], current["derived"]
            overridden, reason = current["overridden"], current["reason"]
        else:
            end = month_end(as_of)
            override = next((row for row in reversed(inputs.overrides) if row.was_in_force_on(end)), None)
            result = formulas.overall_rag(
                _as_rag(schedule),
                _as_rag(cost),
                _as_rag(risk),
                _as_rag(issue),
                override=Rag(override.rag) if override else None,
                override_reason=override.reason if override else "",
            )
            rag = result.value.value if result.value else ""
            derived = result.derived.value if result.derived else ""
            overridden, reason = result.overridden, result.reason
        detail = {
            "rag": rag,
            "derived": derived,
            "overridden": overridden,
            "reason": reason,
            "reported": reported,
            "as_of": as_of.isoformat(),
            "schedule": schedule,
            "cost": cost,
            "risk": risk,
            "issues": issue,
            "phase": inputs.project.phase,
        }
        values.append(
            SnapshotValue(
                "overall_rag",
                rag_value(rag),
                period=period,
                period_start=month_start(as_of),
                period_end=month_end(as_of),
                detail=detail,
            )
        )
    return values


def project_values(inputs: ProjectInputs, today: datetime.date, now: datetime.datetime) -> list[SnapshotValue]:
    ev, values = _earned_value_values(inputs)
    risk, issue, risk_issue = _risk_issue_values(inputs, today)
    values += risk_issue
    rags = _rag_values(inputs, ev, risk, issue, today)
    values += rags
    values += _rag_history_values(inputs, rags[-1].detail, today)
    values += _cost_curve_values(inputs, ev, today)
    values += _benefit_value_values(inputs, ev, today)
    values += _schedule_values(inputs, ev, today)
    values += _governance_values(inputs, now)
    return values


__all__ = ["ProjectInputs", "project_values"]
