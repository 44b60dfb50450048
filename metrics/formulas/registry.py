"""One place describing every metric: what the "how is this computed" panel shows beside each number.

``METRICS[key]`` gives the label, unit, scope, formula text, inputs, thresholds (text generated from the same
band objects the formulas use by default) and the function that computes it. Snapshots store the key; a
template looks the key up here. ``SUPPORT_FUNCTIONS`` lists the public helpers in the formula modules that
are building blocks or composites of registered metrics rather than metrics of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from metrics.formulas import forecast, portfolio, product, resources, scrum, sprint_charts, value
from metrics.formulas.bands import (
    CLV_CAC_TARGET,
    FORECAST_MIN_SPRINTS,
    INDEX_BANDS,
    ISSUE_LOAD_BANDS,
    ISSUE_WEIGHTS,
    RISK_EXPOSURE_BANDS,
    SAY_DO_BANDS,
    UTILIZATION_LIMIT,
    VELOCITY_WINDOW,
)

FORMULA_MODULES = (portfolio, resources, value, scrum, sprint_charts, forecast, product)


@dataclass(frozen=True)
class MetricSpec:
    key: str
    label: str
    scope: str  # portfolio / scrum / product
    unit: str
    formula: str
    inputs: tuple[str, ...]
    function: Callable[..., Any]
    thresholds: str = ""


_SPECS: list[MetricSpec] = []


def _add(scope: str, key: str, label: str, unit: str, function: Callable[..., Any], formula: str, inputs: str,
         thresholds: str = "") -> None:  # fmt: skip
    _SPECS.append(MetricSpec(key, label, scope, unit, formula, tuple(inputs.split("; ")), function, thresholds))


_P, _S, _D = "portfolio", "scrum", "product"
_UTIL = f"flagged above {UTILIZATION_LIMIT:.0%} of capacity"
_EV_IN = "budget at completion (BAC); planned % complete; actual % complete; cost entries to date (AC)"

# fmt: off
# --- portfolio --------------------------------------------------------------------------------------------
_add(_P, "status_count", "Projects by status", "count", portfolio.status_count,
     "Projects grouped by overall RAG (green / yellow / red / not assessed)", "latest status report per project")
_add(_P, "overall_rag", "Overall health", "RAG", portfolio.overall_rag,
     "Worst of the schedule, cost, risk and issue RAGs; a manager override with a reason wins and is kept in history",
     "dimension RAGs; manager override and reason", "red > yellow > green")
_add(_P, "projects_by_phase", "Projects by phase", "count", portfolio.projects_by_phase,
     "Count of projects per lifecycle phase", "project phase")
_add(_P, "planned_value", "Planned value (PV)", "money", portfolio.planned_value,
     "PV = planned % complete x BAC", _EV_IN)
_add(_P, "earned_value", "Earned value (EV)", "money", portfolio.earned_value, "EV = actual % complete x BAC", _EV_IN)
_add(_P, "spi", "Schedule performance index (SPI)", "ratio", portfolio.schedule_performance_index,
     "SPI = EV / PV; n/a while PV is 0", _EV_IN, INDEX_BANDS.describe())
_add(_P, "cpi", "Cost performance index (CPI)", "ratio", portfolio.cost_performance_index,
     "CPI = EV / AC; n/a while AC is 0", _EV_IN, INDEX_BANDS.describe())
_add(_P, "schedule_health", "Schedule health", "RAG", portfolio.schedule_health, "SPI = EV / PV, banded", _EV_IN,
     INDEX_BANDS.describe())
_add(_P, "cost_health", "Cost health", "RAG", portfolio.cost_health, "CPI = EV / AC, banded", _EV_IN,
     INDEX_BANDS.describe())
_add(_P, "cost_variance", "Cost variance (CV)", "money", portfolio.cost_variance, "CV = EV - AC", _EV_IN)
_add(_P, "schedule_variance", "Schedule variance (SV)", "money", portfolio.schedule_variance, "SV = EV - PV", _EV_IN)
_add(_P, "eac_typical", "Estimate at completion (typical)", "money", portfolio.estimate_at_completion_typical,
     "EAC = BAC / CPI (today's cost efficiency continues); this is the cost forecast", _EV_IN)
_add(_P, "eac_atypical", "Estimate at completion (atypical)", "money", portfolio.estimate_at_completion_atypical,
     "EAC = AC + (BAC - EV) (the overrun so far was a one-off)", _EV_IN)
_add(_P, "etc", "Estimate to complete (ETC)", "money", portfolio.estimate_to_complete, "ETC = EAC - AC", _EV_IN)
_add(_P, "vac", "Variance at completion (VAC)", "money", portfolio.variance_at_completion, "VAC = BAC - EAC", _EV_IN)
_add(_P, "tcpi", "To-complete performance index (TCPI)", "ratio", portfolio.to_complete_performance_index,
     "TCPI = (BAC - EV) / (BAC - AC); n/a when AC equals BAC", _EV_IN)
_add(_P, "cost_planned", "Cost planned", "money", portfolio.planned_cost_to_date,
     "Budget spread evenly over each period's days, summed up to the date", "budget per period")
_add(_P, "cost_actual", "Cost actual", "money", portfolio.actual_cost_to_date,
     "Sum of cost entries up to the date", "cost entries")
_add(_P, "cost_curve", "Cost S-curve", "money", portfolio.cost_curve,
     "Cumulative planned and actual cost per date; forecast = EAC (typical)", "budget per period; cost entries")
_add(_P, "risk_exposure", "Risk exposure", "score", portfolio.risk_exposure,
     "Sum of probability x impact over open risks; each unresolved (open or acknowledged) production model alert "
     "adds probability 1 x impact by severity: low 1, medium 2, high 3, critical 5",
     "risk register (probability 0-1, impact 1-5, state); model alerts (severity, state)",
     RISK_EXPOSURE_BANDS.describe())
_add(_P, "risk_health", "Risk health", "RAG", portfolio.risk_health,
     "Risk exposure (open risks and unresolved model alerts), banded", "risk register; model alerts",
     RISK_EXPOSURE_BANDS.describe())
_add(_P, "issue_load", "Weighted open issues", "score", portfolio.issue_load,
     "Sum of severity weights over issues open at the end of the day", "issue log (severity, opened, closed)",
     f"weights: {ISSUE_WEIGHTS.describe()}")
_add(_P, "issue_health", "Issue health", "RAG", portfolio.issue_health, "Weighted open issues, banded",
     "issue log", f"{ISSUE_LOAD_BANDS.describe()}; weights: {ISSUE_WEIGHTS.describe()}")
_add(_P, "issue_daily_series", "Issues opened / closed", "count", portfolio.issue_daily_series,
     "Per day: issues opened, closed, open at the day's end, weighted open", "issue log")
_add(_P, "capacity", "Capacity", "hours", resources.capacity_hours, "Capacity = working hours - leave",
     "working days x hours per day; holidays; leave")
_add(_P, "utilization_planned", "Utilization (planned)", "%", resources.planned_utilization,
     "Allocated hours / capacity", "allocations; capacity", _UTIL)
_add(_P, "utilization_actual", "Utilization (actual)", "%", resources.actual_utilization,
     "Logged hours / capacity", "time entries; capacity", _UTIL)
_add(_P, "utilization_forecast", "Utilization (forecast)", "%", resources.forecast_utilization,
     "(Logged to date + remaining allocation) / capacity", "time entries; allocations; capacity", _UTIL)
_add(_P, "over_capacity", "Over capacity", "flag", resources.is_over_capacity, "Utilization above the limit",
     "utilization", _UTIL)
_add(_P, "resource_utilization", "Resource utilization", "%", resources.resource_utilization,
     "Planned, actual and forecast utilization of a person for a period, with the over-capacity flag",
     "working hours; leave; allocations; time entries", _UTIL)
_add(_P, "benefit_realization", "Benefit realization", "%", value.benefit_realization,
     "Realized benefit to date / planned benefit to date (an unmeasured period counts as 0 realized)",
     "charter success metrics; benefit measurements per period")
_add(_P, "benefit_realization_rollup", "Benefit realization (all benefits)", "%", value.benefit_realization_rollup,
     "Sum of realized benefit to date / sum of planned benefit to date over all benefits", "benefit measurements")
_add(_P, "time_to_mobilize", "Time to mobilize", "days", value.time_to_mobilize_days,
     "Start date - ideation date, in calendar days", "ideation date; start date")
_add(_P, "time_to_mobilize_summary", "Time to mobilize (median, 85th percentile)", "days",
     value.time_to_mobilize_summary, "Median and 85th percentile (linear interpolation) over started projects",
     "ideation and start dates")
_add(_P, "expected_roi", "Expected ROI", "%", value.expected_roi,
     "(Expected benefits - expected costs) / expected costs", "charter value case")
_add(_P, "realized_roi", "Realized ROI", "%", value.realized_roi,
     "(Realized benefits to date - actual costs) / actual costs, once benefits are measured",
     "benefit measurements; cost entries")
_add(_P, "payback_months", "Payback", "months", value.payback_months,
     "First month whose cumulative benefits reach the costs", "costs; monthly benefits")
_add(_P, "payback_months_flat", "Payback (constant benefit)", "months", value.payback_months_flat,
     "ceil(costs / monthly benefit)", "charter value case")
_add(_P, "schedule_slip", "Schedule slip", "days", value.schedule_slip_days, "Forecast date - baseline date",
     "baseline and forecast dates")
_add(_P, "milestone_status", "Milestone status", "status", value.milestone_status,
     "done / done late / overdue / upcoming from due and completion dates", "milestones")

# --- scrum ------------------------------------------------------------------------------------------------
_CHANGES = "work-item change log (sprint, state group, points); sprint start and close"
_add(_S, "commitment", "Commitment", "points", scrum.commitment,
     "Points in the sprint at its start (cancelled items excluded)", _CHANGES)
_add(_S, "completed", "Completed", "points", scrum.completed, "Points of items done in the sprint by its end", _CHANGES)
_add(_S, "velocity", "Velocity", "points", scrum.velocity,
     f"Average completed points over the last {VELOCITY_WINDOW} closed sprints", "completed points per closed sprint")
_add(_S, "rolling_velocity", "Velocity trend", "points", scrum.rolling_velocity,
     f"Per sprint, the average completed points of it and the {VELOCITY_WINDOW - 1} before",
     "completed points per closed sprint")
_add(_S, "say_do", "Estimation accuracy (say/do)", "%", scrum.say_do,
     "Points completed out of the initial commitment / initial commitment", _CHANGES, SAY_DO_BANDS.describe())
_add(_S, "say_do_band", "Say/do band", "band", scrum.say_do_band, "Say/do, banded", "say/do", SAY_DO_BANDS.describe())
_add(_S, "scope_change", "Scope change", "points", scrum.scope_change,
     "Points added after start - points removed + re-estimation delta", _CHANGES)
_add(_S, "velocity_consistency", "Velocity consistency", "ratio", scrum.velocity_consistency,
     f"Coefficient of variation = sample stdev / mean of velocity over the last {VELOCITY_WINDOW} sprints",
     "completed points per closed sprint", "lower is steadier")
_add(_S, "process_refinement", "Process refinement", "%", scrum.process_refinement,
     "Retrospective actions closed by the next retrospective / actions raised", "retrospective action items")
_add(_S, "escaped_defects", "Escaped defects", "count", scrum.escaped_defects,
     "Defects found after the item they concern was done or released", "defects linked to the sprint")
_add(_S, "escape_rate", "Defect escape rate", "%", scrum.escape_rate, "Escaped defects / all defects",
     "defects linked to the sprint")
_add(_S, "logged_defects", "Logged defects", "count", scrum.logged_defects,
     "Defects still open in the sprint's scope when it ends", _CHANGES)
_add(_S, "burndown", "Burndown", "points", sprint_charts.burndown,
     "Per day: remaining = scope - completed as of that day; ideal fixed at the initial commitment, "
     "declining on working days only", f"{_CHANGES}; holidays")
_add(_S, "burnup", "Burnup", "points", sprint_charts.burnup,
     "Per day: scope as of that day, completed (cumulative), points added that day", f"{_CHANGES}; holidays")
_add(_S, "motivation", "Motivation", "mood 1-5", scrum.motivation, "Average and distribution of mood votes",
     "mood votes 1-5 per sprint")
_add(_S, "delivery_forecast", "Delivery forecast", "date", forecast.delivery_forecast,
     "Monte Carlo, 10,000 trials sampling past sprint throughput until the remaining backlog is done; "
     "P50 / P85 / P95 completion dates", "completed points per closed sprint; remaining points; sprint length",
     f"needs at least {FORECAST_MIN_SPRINTS} closed sprints")

# --- product ----------------------------------------------------------------------------------------------
_EVENTS = "product events (user, event name, time)"
_add(_D, "dau", "Daily active users", "users", product.daily_active_users,
     "Distinct users with at least one qualifying event that day", _EVENTS)
_add(_D, "wau", "Weekly active users", "users", product.weekly_active_users,
     "Distinct users with a qualifying event in the rolling 7 days", _EVENTS)
_add(_D, "mau", "Monthly active users", "users", product.monthly_active_users,
     "Distinct users with a qualifying event in the rolling 30 days", _EVENTS)
_add(_D, "stickiness", "Stickiness", "%", product.stickiness, "DAU / MAU", _EVENTS)
_add(_D, "active_users_series", "Active users trend", "users", product.active_users_series,
     "DAU, WAU, MAU and stickiness per day", _EVENTS)
_add(_D, "feature_usage", "Feature usage", "%", product.feature_usage,
     "Users who performed the feature's core event / eligible active users in the window; "
     "depth = core events per adopter", _EVENTS)
_add(_D, "user_churn", "User churn", "%", product.user_churn,
     "Users active in the previous period and not in this one / users active in the previous period", _EVENTS)
_add(_D, "conversion_rate", "Customer conversion rate", "%", product.conversion_rate,
     "Units reaching the final step within the conversion window / units entering the first step", _EVENTS)
_add(_D, "repurchase_rate", "Repurchase rate", "%", product.repurchase_rate,
     "Customers with >= 2 orders / customers with >= 1 order in the window", "customers and orders")
_add(_D, "cac", "Customer acquisition cost (CAC)", "money", product.customer_acquisition_cost,
     "Sales and marketing spend / new customers in the period", "marketing spend per channel and period; customers")
_add(_D, "clv", "Customer lifetime value (CLV)", "money", product.customer_lifetime_value,
     "Average revenue per user x gross margin / churn rate; undefined at zero churn (the historical value is shown)",
     "orders; gross margin; user churn")
_add(_D, "clv_cac", "CLV : CAC", "ratio", product.clv_to_cac, "CLV / CAC", "CLV; CAC", f"target >= {CLV_CAC_TARGET:g}")
_add(_D, "nps", "Net promoter score (NPS)", "score", product.net_promoter_score,
     "% promoters (9-10) - % detractors (0-6), from -100 to 100", "survey responses 0-10")
_add(_D, "csat", "Customer satisfaction (CSAT)", "%", product.customer_satisfaction,
     "Responses of 4 or 5 / all responses x 100", "survey responses 1-5")
# fmt: on

METRICS: dict[str, MetricSpec] = {spec.key: spec for spec in _SPECS}
if len(METRICS) != len(_SPECS):  # pragma: no cover - a duplicated key is a programming error caught at import
    raise RuntimeError("duplicate metric key in the registry")

#: Public functions of the formula modules that are not metrics on their own (building blocks, composites).
SUPPORT_FUNCTIONS: frozenset[Callable[..., Any]] = frozenset(
    {
        portfolio.earned_value_summary,  # composite of the earned-value metrics above
        resources.working_hours,  # input of capacity
        value.return_on_investment,  # shared by expected and realized ROI
        scrum.items_where,
        scrum.items_as_of,
        scrum.sprint_scope,
        scrum.scope_change_between,
        scrum.sprint_summary,  # composite frozen at close
        sprint_charts.sprint_days,  # shared by burndown and burnup
        product.active_users,  # shared by DAU / WAU / MAU
        product.spend_in_period,  # input of CAC
    }
)


def metric_spec(key: str) -> MetricSpec:
    """The description of metric ``key``; KeyError for an unknown key."""
    return METRICS[key]


def metrics_for_scope(scope: str) -> list[MetricSpec]:
    """Registered metrics of one scope (portfolio, scrum, product), in registry order."""
    return [spec for spec in _SPECS if spec.scope == scope]
