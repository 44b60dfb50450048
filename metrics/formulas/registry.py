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

from metrics.formulas import forecast, lifecycle, portfolio, product, resources, scrum, sprint_charts, value
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
from portal.formats import MONEY, currency

FORMULA_MODULES = (portfolio, resources, value, lifecycle, scrum, sprint_charts, forecast, product)


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
    unit = currency() if unit == MONEY else unit  # amounts are in the installation currency (STAGEGATE_CURRENCY)
    _SPECS.append(MetricSpec(key, label, scope, unit, formula, tuple(inputs.split("; ")), function, thresholds))


_P, _S, _D = "portfolio", "scrum", "product"
_UTIL = f"flagged above {UTILIZATION_LIMIT:.0%} of capacity"
_EV_IN = (
    "budget at completion (BAC); planned % complete at the data date; actual % complete of the latest status "
    "report stating it; cost entries up to the data date (AC)"
)
#: Every earned-value figure is taken at one date, stated beside it (PMI earned-value standard).
_DATA_DATE = (
    "at the data date: the date of the project's latest status report stating % complete (a closed or "
    "cancelled project: its end date, or that report if later)"
)
_FINISHED = "a closed or cancelled project costs what it has cost"
#: When the project's RAGs are "not assessed" (the overall's rule, applied to each dimension as well).
_UNASSESSED = (
    "not assessed while nothing stands behind the project's RAGs (no earned value, no status report, no risk or "
    "issue, open or closed, and no unresolved model alert)"
)

# fmt: off
# --- portfolio --------------------------------------------------------------------------------------------
_add(_P, "status_count", "Projects by status", "count", portfolio.status_count,
     "Projects grouped by overall RAG (green / yellow / red / not assessed)",
     "each project's overall RAG as every page shows it (computed, or a manager's override in force)")
_add(_P, "overall_rag", "Overall health", "RAG", portfolio.overall_rag,
     "Worst of the four computed dimension RAGs (schedule from SPI, cost from CPI, risk from exposure, issues from "
     "weighted open issues; schedule and cost fall back to the PM's report only without earned-value data). "
     "Not assessed while no input stands behind them (no earned value, status report, risk or issue, open or "
     "closed, or unresolved model alert). "
     "A manager may override it only with a reason and a last day (at most 180 days ahead): the override shows, "
     "marked, until it expires or is revoked, and every override is kept in the history. The PM's reported RAG "
     "is shown beside it and flagged when it differs; it never sets the overall. History: each past month shows the "
     "worst of the four dimension RAGs stated on its last status report, or the override in force at the month's "
     "end; the current month shows today's value",
     "schedule, cost, risk and issue RAGs (computed); active manager override (RAG, reason, last day); "
     "PM's latest status report (shown beside)", "red > yellow > green > not assessed")
_add(_P, "projects_by_phase", "Projects by phase", "count", portfolio.projects_by_phase,
     "Count of projects per lifecycle phase", "project phase")
_add(_P, "budget_at_completion", "Budget at completion (BAC)", "money", portfolio.budget_at_completion,
     "BAC = sum of the budget of every period (the whole budget, not the part planned to date); portfolio: sum over "
     "the projects", "budget per period")
_add(_P, "planned_value", "Planned value (PV)", "money", portfolio.planned_value,
     f"PV = planned % complete x BAC {_DATA_DATE}; planned % complete = budget spread up to that date / BAC", _EV_IN)
_add(_P, "earned_value", "Earned value (EV)", "money", portfolio.earned_value,
     f"EV = actual % complete x BAC {_DATA_DATE}; 0 until a report states progress", _EV_IN)
_add(_P, "spi", "Schedule performance index (SPI)", "ratio", portfolio.schedule_performance_index,
     f"SPI = EV / PV, both {_DATA_DATE}; n/a while PV is 0; portfolio: sum of EV / sum of PV, each project at its "
     "own data date", _EV_IN, INDEX_BANDS.describe())
_add(_P, "cpi", "Cost performance index (CPI)", "ratio", portfolio.cost_performance_index,
     f"CPI = EV / AC, both {_DATA_DATE}; n/a while AC is 0; portfolio: sum of EV / sum of AC, each project at its "
     "own data date", _EV_IN, INDEX_BANDS.describe())
_add(_P, "schedule_health", "Schedule health", "RAG", portfolio.schedule_health,
     f"SPI = EV / PV, banded; the PM's latest reported schedule RAG while SPI is n/a; {_UNASSESSED}", _EV_IN,
     INDEX_BANDS.describe())
_add(_P, "cost_health", "Cost health", "RAG", portfolio.cost_health,
     f"CPI = EV / AC, banded; the PM's latest reported cost RAG while CPI is n/a; {_UNASSESSED}", _EV_IN,
     INDEX_BANDS.describe())
_add(_P, "cost_variance", "Cost variance (CV)", "money", portfolio.cost_variance, "CV = EV - AC", _EV_IN)
_add(_P, "schedule_variance", "Schedule variance (SV)", "money", portfolio.schedule_variance, "SV = EV - PV", _EV_IN)
_add(_P, "eac_typical", "Estimate at completion (typical)", "money", portfolio.estimate_at_completion_typical,
     f"EAC = BAC / CPI (the cost efficiency at the data date continues); {_FINISHED}: EAC = AC; n/a while CPI is "
     "undefined or 0. The project's cost forecast", _EV_IN)
_add(_P, "eac_atypical", "Estimate at completion (atypical)", "money", portfolio.estimate_at_completion_atypical,
     f"EAC = AC + (BAC - EV) (the overrun so far was a one-off); {_FINISHED}: EAC = AC", _EV_IN)
_add(_P, "etc", "Estimate to complete (ETC)", "money", portfolio.estimate_to_complete,
     f"ETC = EAC (typical) - AC; {_FINISHED}: ETC = 0", _EV_IN)
_add(_P, "forecast", "Forecast (EAC, sum of the projects)", "money", portfolio.portfolio_forecast,
     "Sum over the projects of each project's EAC: BAC / CPI while it runs, AC once closed or cancelled, its BAC "
     "while its EAC is undefined (CPI n/a or 0). Not portfolio BAC / portfolio CPI",
     "each project's BAC and EAC (typical) at its data date")
_add(_P, "vac", "Variance at completion (VAC)", "money", portfolio.variance_at_completion,
     f"VAC = BAC - EAC (typical); {_FINISHED}: VAC = BAC - AC, the budget left unspent", _EV_IN)
_add(_P, "tcpi", "To-complete performance index (TCPI)", "ratio", portfolio.to_complete_performance_index,
     f"TCPI = (BAC - EV) / (BAC - AC); n/a when AC equals BAC; {_FINISHED}: n/a, no work remains", _EV_IN)
_add(_P, "cost_planned", "Cost planned", "money", portfolio.planned_cost_to_date,
     "Budget spread evenly over each period's days, summed up to the date: the data date for the headline (= PV), "
     "each month's end (today in the current month) on the S-curve", "budget per period")
_add(_P, "cost_actual", "Cost actual", "money", portfolio.actual_cost_to_date,
     "Sum of cost entries up to the date: the data date for the headline (= AC), each month's end (today in the "
     "current month) on the S-curve", "cost entries")
_add(_P, "cost_curve", "Cost S-curve", "money", portfolio.cost_curve,
     "Cumulative planned, actual and earned cost at each month's end (today in the current month); portfolio: the "
     "sum over the projects, each carrying its last value forward, so the cumulative lines never fall; forecast = "
     "EAC (portfolio: sum of the projects' EACs)", "budget per period; cost entries; status reports (% complete)")
_add(_P, "risk_exposure", "Risk exposure", "score", portfolio.risk_exposure,
     "Sum of probability x impact over open risks; each unresolved (open or acknowledged) production model alert "
     "adds probability 1 x impact by severity: low 1, medium 2, high 3, critical 5",
     "risk register (probability 0-1, impact 1-5, state); model alerts (severity, state)",
     RISK_EXPOSURE_BANDS.describe())
_add(_P, "risk_health", "Risk health", "RAG", portfolio.risk_health,
     f"Risk exposure (open risks and unresolved model alerts), banded; {_UNASSESSED}", "risk register; model alerts",
     RISK_EXPOSURE_BANDS.describe())
_add(_P, "issue_load", "Weighted open issues", "score", portfolio.issue_load,
     "Sum of severity weights over issues open at the end of the day", "issue log (severity, opened, closed)",
     f"weights: {ISSUE_WEIGHTS.describe()}")
_add(_P, "issue_health", "Issue health", "RAG", portfolio.issue_health,
     f"Weighted issues open at the end of today, banded; {_UNASSESSED}", "issue log",
     f"{ISSUE_LOAD_BANDS.describe()}; weights: {ISSUE_WEIGHTS.describe()}")
_add(_P, "issue_daily_series", "Issues opened / closed", "count", portfolio.issue_daily_series,
     "Per day: issues opened, closed, open at the day's end, weighted open", "issue log")
_add(_P, "capacity", "Capacity", "hours", resources.capacity_hours, "Capacity = working hours - leave",
     "working days x hours per day; holidays; leave")
_add(_P, "utilization_planned", "Utilization (planned)", "%", resources.planned_utilization,
     "Allocated hours / capacity", "allocations; capacity", _UTIL)
_add(_P, "utilization_actual", "Utilization (actual)", "%", resources.actual_utilization,
     "Logged hours / capacity", "time entries; capacity", _UTIL)
_add(_P, "utilization_forecast", "Utilization (forecast)", "%", resources.forecast_utilization,
     "(Logged to date + remaining allocation) / capacity, per ISO week; remaining allocation = the week's allocation x "
     "its working days (Monday to Friday) after today / 5 (all of it for a week ahead, none for a week past)",
     "time entries; allocations; capacity", _UTIL)
_add(_P, "over_capacity", "Over capacity", "flag", resources.is_over_capacity, "Utilization above the limit",
     "utilization", _UTIL)
_add(_P, "resource_utilization", "Resource utilization", "%", resources.resource_utilization,
     "Planned, actual and forecast utilization of a person per ISO week, from 8 weeks before the current week to 8 "
     "after, with the over-capacity flag; n/a at zero capacity (no capacity row counts as 0 hours); time logged on "
     "a weekend counts in its week. The headline number is the highest of the three over those weeks",
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
_add(_P, "phase_duration", "Time in phase", "days", lifecycle.phase_durations,
     "Days from entering a phase to its gate decision (moved on, closed, cancelled or put on hold; a resume restarts "
     "the clock); a phase entered again adds up; a phase is in progress only while the project is in it and active "
     "(on hold, closed or cancelled: it counts as completed); portfolio: median and 85th percentile over completed "
     "phases only, phases in progress shown apart with their age (median and oldest)",
     "lifecycle phase transitions (phase, state, time)")
_add(_P, "gate_throughput", "Gate throughput", "%", lifecycle.gate_throughput,
     "Share of decided gate reviews ending in go / conditional go / recycle / no-go; with the median days per "
     "phase over completed phases", "decided gate reviews of the projects; lifecycle phase transitions")
_add(_P, "milestone_status", "Milestone status", "status", value.milestone_status,
     "done / done late / overdue / upcoming from due and completion dates", "milestones")

# --- scrum ------------------------------------------------------------------------------------------------
_CHANGES = "work-item change log (sprint, state group, points); sprint start and close"
_add(_S, "commitment", "Commitment", "points", scrum.commitment,
     "Points in the sprint at its start (cancelled items excluded)", _CHANGES)
_add(_S, "completed", "Completed", "points", scrum.completed, "Points of items done in the sprint by its end", _CHANGES)
_add(_S, "velocity", "Velocity", "points", scrum.velocity,
     f"Average completed points over the last {VELOCITY_WINDOW} closed sprints; the headline names the last closed "
     "sprint it covers (a running sprint never counts)", "completed points per closed sprint")
_add(_S, "rolling_velocity", "Velocity trend", "points", scrum.rolling_velocity,
     f"Per sprint, the average completed points of it and the {VELOCITY_WINDOW - 1} before",
     "completed points per closed sprint")
_add(_S, "say_do", "Estimation accuracy (say/do)", "%", scrum.say_do,
     "Points completed out of the initial commitment / initial commitment; per sprint, the headline is the last "
     "closed sprint's (named beside it), never the running sprint's", _CHANGES, SAY_DO_BANDS.describe())
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
_DAY = (
    "; headline: the last complete day of the data, i.e. the latest day with any product input, at most yesterday "
    "(today is partial, shown in the series only)"
)
_MONTH = "; headline: the latest complete month with a value (the month in progress is partial, in the series only)"
_add(_D, "dau", "Daily active users", "users", product.daily_active_users,
     "Distinct users with at least one qualifying event that day" + _DAY, _EVENTS)
_add(_D, "wau", "Weekly active users", "users", product.weekly_active_users,
     "Distinct users with a qualifying event in the rolling 7 days ending that day" + _DAY, _EVENTS)
_add(_D, "mau", "Monthly active users", "users", product.monthly_active_users,
     "Distinct users with a qualifying event in the rolling 30 days ending that day" + _DAY, _EVENTS)
_add(_D, "stickiness", "Stickiness", "%", product.stickiness, "DAU / MAU of the same day" + _DAY, _EVENTS)
_add(_D, "active_users_series", "Active users trend", "users", product.active_users_series,
     "DAU, WAU, MAU and stickiness per day", _EVENTS)
_add(_D, "feature_usage", "Feature usage", "%", product.feature_usage,
     "Per core event configured on the product: users who performed it / users active in the month; "
     "depth = core events per adopter" + _MONTH, f"{_EVENTS}; the product's core events")
_add(_D, "user_churn", "User churn", "%", product.user_churn,
     "Users active in the previous month and not in this one / users active in the previous month" + _MONTH,
     _EVENTS)
_add(_D, "conversion_rate", "Customer conversion rate", "%", product.conversion_rate,
     "Per monthly cohort of users entering the funnel's first step (their first such event): users reaching its "
     "last step, steps in order, within the product's window of entering / users entering. A cohort of fewer than "
     f"{product.MIN_CONVERSION_COHORT} users shows \"too few users\"; a cohort is complete once its month is over "
     "and its window has closed", f"{_EVENTS}; the product's funnel steps (event names in order) and window (days)")
_add(_D, "repurchase_rate", "Repurchase rate", "%", product.repurchase_rate,
     "Customers with >= 2 orders / customers with >= 1 order in the month" + _MONTH, "customers and orders")
_add(_D, "cac", "Customer acquisition cost (CAC)", "money", product.customer_acquisition_cost,
     "Sales and marketing spend / new customers in the month; a spend row counts wholly in the month its period "
     "starts, a customer in the month acquired" + _MONTH,
     "marketing spend per channel and period; customers")
_add(_D, "clv", "Customer lifetime value (CLV)", "money", product.customer_lifetime_value,
     "One population, paying customers: revenue per customer who ordered in the month x gross margin / churn of "
     "paying customers (customers who ordered in the previous month and not in this one / customers who ordered in "
     "the previous month); undefined at zero or unknown churn, where the historical value (gross profit so far per "
     "paying customer) is shown" + _MONTH, "orders (revenue, gross margin, customer)")
_add(_D, "clv_cac", "CLV : CAC", "ratio", product.clv_to_cac, "CLV / CAC", "CLV; CAC", f"target >= {CLV_CAC_TARGET:g}")
_add(_D, "nps", "Net promoter score (NPS)", "score", product.net_promoter_score,
     "% promoters (9-10) - % detractors (0-6), from -100 to 100" + _MONTH, "survey responses 0-10")
_add(_D, "csat", "Customer satisfaction (CSAT)", "%", product.customer_satisfaction,
     "Responses of 4 or 5 / all responses x 100" + _MONTH, "survey responses 1-5")
# fmt: on

METRICS: dict[str, MetricSpec] = {spec.key: spec for spec in _SPECS}
if len(METRICS) != len(_SPECS):  # pragma: no cover - a duplicated key is a programming error caught at import
    raise RuntimeError("duplicate metric key in the registry")

#: Public functions of the formula modules that are not metrics on their own (building blocks, composites).
SUPPORT_FUNCTIONS: frozenset[Callable[..., Any]] = frozenset(
    {
        portfolio.earned_value_summary,  # composite of the earned-value metrics above
        lifecycle.phase_days_split,  # input of gate throughput
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
        product.funnel,  # the steps behind the conversion rate
        product.customer_churn,  # input of CLV (churn of paying customers)
    }
)


def metric_spec(key: str) -> MetricSpec:
    """The description of metric ``key``; KeyError for an unknown key."""
    return METRICS[key]


def metrics_for_scope(scope: str) -> list[MetricSpec]:
    """Registered metrics of one scope (portfolio, scrum, product), in registry order."""
    return [spec for spec in _SPECS if spec.scope == scope]
