"""An independent oracle for the portfolio headline metrics: pandas straight from the input tables.

The suite compares the snapshots the computers wrote with what this module computes from the raw rows (read with
``.values()``). It imports no adapter, computer, formula, service or selector: the definitions and thresholds are
restated here from /work/shared/METRICS.md and the registry text (``metrics/formulas/registry.py``), so a
disagreement is either a bug on one side or a definition the registry must state.

Covered: the four dimension RAGs and the overall RAG; SPI, CPI and EAC (typical) at the data date; the portfolio
forecast (sum of the project EACs); time in phase (per project, and the portfolio's median / 85th percentile over
completed phases with the phases in progress apart); resource utilization per person and ISO week.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lifecycle.models import PhaseTransition, Project
from metrics.deployments.models import ModelAlert
from metrics.portfolio_inputs.models import (
    Allocation,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    RagOverride,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.snapshots.models import MetricSnapshot
from portfolio.models import Membership

# --- definitions restated (METRICS.md and the registry) -------------------------------------------------------

#: METRICS.md "schedule health" / "cost health": green >= 0.95, yellow 0.90-0.95, red < 0.90.
INDEX_GREEN_AT, INDEX_YELLOW_AT = 0.95, 0.90
#: Registry "risk_exposure": green < 2, yellow 2 to 4, red >= 4.
RISK_YELLOW_AT, RISK_RED_AT = 2.0, 4.0
#: Registry "issue_health": green < 4, yellow 4 to 8, red >= 8; weights low 1, medium 2, high 4, critical 8.
ISSUE_YELLOW_AT, ISSUE_RED_AT = 4.0, 8.0
ISSUE_WEIGHTS = {"low": 1.0, "medium": 2.0, "high": 4.0, "critical": 8.0}
#: Registry "risk_exposure": an unresolved model alert is a risk of probability 1 and this impact.
ALERT_IMPACT = {"low": 1.0, "medium": 2.0, "high": 3.0, "critical": 5.0}
#: How a RAG is stored as a snapshot's number (red sorts last).
RAG_NUMBER = {"green": 0.0, "yellow": 1.0, "red": 2.0}
FINISHED_STATES = ("closed", "cancelled")
#: Registry "phase_duration": the clock of a phase runs only while the project is active in it.
RUNNING_STATE = "active"
#: Registry "utilization_*": flagged above 100 % of capacity.
UTILIZATION_LIMIT = 1.0
#: The person snapshot covers this many ISO weeks either side of the current one; Mon-Fri are working days.
UTILIZATION_WEEKS = 8
WORKING_DAYS_PER_WEEK = 5


@dataclass(frozen=True)
class Tables:
    """The raw input rows, one DataFrame per table (dates as ``datetime64``, money and hours as floats)."""

    projects: pd.DataFrame
    budgets: pd.DataFrame
    costs: pd.DataFrame
    reports: pd.DataFrame
    risks: pd.DataFrame
    issues: pd.DataFrame
    alerts: pd.DataFrame
    overrides: pd.DataFrame
    transitions: pd.DataFrame
    capacities: pd.DataFrame
    allocations: pd.DataFrame
    time_entries: pd.DataFrame
    members: pd.DataFrame


def _frame(queryset: Any, columns: list[str], *, dates: tuple[str, ...] = (), numbers: tuple[str, ...] = ()):
    frame = pd.DataFrame.from_records(list(queryset.values(*columns)), columns=columns)
    for column in dates:
        frame[column] = pd.to_datetime(frame[column])
    for column in numbers:
        frame[column] = frame[column].astype(float)
    return frame


def load_tables() -> Tables:
    """Every row the covered metrics read, straight from the tables."""
    return Tables(
        projects=_frame(
            Project.objects.all(), ["id", "portfolio_id", "state", "actual_end_date"], dates=("actual_end_date",)
        ),
        budgets=_frame(
            BudgetPeriod.objects.all(),
            ["project_id", "period_start", "amount"],
            dates=("period_start",),
            numbers=("amount",),
        ),
        costs=_frame(CostEntry.objects.all(), ["project_id", "day", "amount"], dates=("day",), numbers=("amount",)),
        reports=_frame(
            StatusReport.objects.all(),
            ["id", "project_id", "as_of", "percent_complete", "schedule_rag", "cost_rag"],
            dates=("as_of",),
            numbers=("percent_complete",),
        ),
        risks=_frame(
            Risk.objects.all(), ["project_id", "probability", "impact", "state"], numbers=("probability", "impact")
        ),
        issues=_frame(
            Issue.objects.all(), ["project_id", "severity", "opened_on", "closed_on"], dates=("opened_on", "closed_on")
        ),
        alerts=_frame(ModelAlert.objects.all(), ["deployed_model__project_id", "severity", "state"]).rename(
            columns={"deployed_model__project_id": "project_id"}
        ),
        overrides=_frame(
            RagOverride.objects.all(), ["project_id", "rag", "expires_on", "revoked_at"], dates=("expires_on",)
        ),
        transitions=_frame(
            PhaseTransition.objects.all(), ["id", "project_id", "to_phase", "to_state", "at"], dates=("at",)
        ),
        capacities=_frame(
            Capacity.objects.all(),
            ["person_id", "week", "working_hours", "leave_hours"],
            dates=("week",),
            numbers=("working_hours", "leave_hours"),
        ),
        allocations=_frame(
            Allocation.objects.all(), ["person_id", "week", "hours"], dates=("week",), numbers=("hours",)
        ),
        time_entries=_frame(TimeEntry.objects.all(), ["person_id", "day", "hours"], dates=("day",), numbers=("hours",)),
        members=_frame(Membership.objects.all(), ["user_id", "portfolio_id"]),
    )


# --- earned value at the data date ------------------------------------------------------------------------------


def data_dates(tables: Tables, today: datetime.date) -> pd.DataFrame:
    """Registry "planned_value": the date of the project's latest status report (on or before today) stating
    % complete, else today; a closed or cancelled project: its end date (today without one, never after today), or
    that report if later. Columns: data_date, percent (NaN: no progress reported), finished."""
    day = pd.Timestamp(today)
    stated = tables.reports[tables.reports.percent_complete.notna() & (tables.reports.as_of <= day)]
    latest = stated.sort_values(["as_of", "id"]).groupby("project_id").tail(1).set_index("project_id")
    frame = tables.projects.set_index("id")[["portfolio_id", "state", "actual_end_date"]].copy()
    reported_on = latest.as_of.reindex(frame.index)
    frame["percent"] = latest.percent_complete.reindex(frame.index)
    frame["finished"] = frame.state.isin(FINISHED_STATES)
    end = frame.actual_end_date.fillna(day).clip(upper=day)
    at_end = end.where(reported_on.isna() | (end >= reported_on), reported_on)
    frame["data_date"] = at_end.where(frame.finished, reported_on.fillna(day))
    return frame


def planned_to_date(budgets: pd.DataFrame, days: pd.Series) -> pd.Series:
    """METRICS.md "cost planned": each month's budget spread evenly over its calendar days, summed up to the
    project's day in ``days`` (indexed by project id)."""
    rows = budgets.join(days.rename("until"), on="project_id")
    length = (rows.period_start + pd.offsets.MonthEnd(0) - rows.period_start).dt.days + 1
    elapsed = np.minimum(((rows.until - rows.period_start).dt.days + 1).clip(lower=0), length)
    return (rows.amount * elapsed / length).groupby(rows.project_id).sum().reindex(days.index, fill_value=0.0)


def earned_value(tables: Tables, today: datetime.date) -> pd.DataFrame:
    """METRICS.md "earned value", all at the data date: PV = planned % complete x BAC (the spread budget, at most
    BAC), EV = actual % complete x BAC, AC = costs up to the data date; SPI = EV / PV, CPI = EV / AC (NaN when the
    divisor is 0); EAC = BAC / CPI (NaN when CPI is undefined or 0), AC once closed or cancelled."""
    frame = data_dates(tables, today)
    frame["bac"] = tables.budgets.groupby("project_id").amount.sum().reindex(frame.index, fill_value=0.0)
    frame["pv"] = np.minimum(planned_to_date(tables.budgets, frame.data_date), frame.bac)
    frame["ev"] = frame.percent.fillna(0.0) * frame.bac
    costs = tables.costs.join(frame.data_date, on="project_id")
    spent = costs.amount.where(costs.day <= costs.data_date, 0.0)
    frame["ac"] = spent.groupby(costs.project_id).sum().reindex(frame.index, fill_value=0.0)
    frame["spi"] = (frame.ev / frame.pv).where(frame.pv != 0)
    frame["cpi"] = (frame.ev / frame.ac).where(frame.ac != 0)
    running_eac = (frame.bac / frame.cpi).where(frame.cpi.notna() & (frame.cpi != 0))
    frame["eac"] = frame.ac.where(frame.finished, running_eac)
    return frame


def portfolio_forecast(tables: Tables, today: datetime.date) -> pd.Series:
    """Registry "forecast": per portfolio, the sum of each project's EAC, its BAC while the EAC is undefined."""
    frame = earned_value(tables, today)
    return frame.eac.fillna(frame.bac).groupby(frame.portfolio_id).sum()


# --- RAGs -------------------------------------------------------------------------------------------------------


def index_rag(index: float) -> str | None:
    """SPI / CPI banded: green >= 0.95, yellow 0.90-0.95, red < 0.90; None when undefined."""
    if pd.isna(index):
        return None
    return "green" if index >= INDEX_GREEN_AT else "yellow" if index >= INDEX_YELLOW_AT else "red"


def load_rag(load: float, yellow_at: float, red_at: float) -> str:
    """A load where lower is better, banded: red >= red_at, yellow >= yellow_at, else green."""
    return "red" if load >= red_at else "yellow" if load >= yellow_at else "green"


def risk_exposure(tables: Tables) -> pd.Series:
    """Registry "risk_exposure": sum of probability x impact over open risks, plus impact by severity for every
    unresolved (open or acknowledged) model alert."""
    risks = tables.risks[tables.risks.state == "open"]
    alerts = tables.alerts[tables.alerts.state != "resolved"]
    exposure = pd.concat(
        [
            (risks.probability * risks.impact).groupby(risks.project_id).sum(),
            alerts.severity.map(ALERT_IMPACT).astype(float).groupby(alerts.project_id).sum(),
        ]
    )
    return exposure.groupby(level=0).sum().reindex(tables.projects.id, fill_value=0.0)


def issue_load(tables: Tables, today: datetime.date) -> pd.Series:
    """Registry "issue_load": severity weights summed over the issues open at the end of today (opened on or before
    it, not closed by then)."""
    day, issues = pd.Timestamp(today), tables.issues
    open_now = issues[(issues.opened_on <= day) & (issues.closed_on.isna() | (issues.closed_on > day))]
    weights = open_now.severity.map(ISSUE_WEIGHTS).astype(float).groupby(open_now.project_id).sum()
    return weights.reindex(tables.projects.id, fill_value=0.0)


def _latest_reports(tables: Tables) -> pd.DataFrame:
    return tables.reports.sort_values(["as_of", "id"]).groupby("project_id").tail(1).set_index("project_id")


def project_health(tables: Tables, today: datetime.date) -> pd.DataFrame:
    """Registry "overall_rag": schedule from SPI and cost from CPI (the PM's latest report only without earned value),
    risk and issues from their loads; all four and the overall (the worst of them) are not assessed (None) while
    nothing stands behind them (no earned value, status report, risk, issue or unresolved alert); a manager's
    unrevoked override replaces the overall up to its last day. One row per project, with the earned-value columns."""
    frame = earned_value(tables, today)
    latest = _latest_reports(tables).reindex(frame.index)
    for dimension, index in (("schedule", "spi"), ("cost", "cpi")):
        computed = frame[index].map(index_rag)
        reported = latest[f"{dimension}_rag"].where(latest[f"{dimension}_rag"].fillna("") != "")
        frame[f"{dimension}_health"] = computed.where(computed.notna(), reported)
    frame["risk_health"] = risk_exposure(tables).map(lambda load: load_rag(load, RISK_YELLOW_AT, RISK_RED_AT))
    frame["issue_health"] = issue_load(tables, today).map(lambda load: load_rag(load, ISSUE_YELLOW_AT, ISSUE_RED_AT))
    unresolved = tables.alerts[tables.alerts.state != "resolved"].project_id
    has_input = (
        frame.index.isin(tables.reports.project_id)
        | frame.index.isin(tables.risks.project_id)
        | frame.index.isin(tables.issues.project_id)
        | frame.index.isin(unresolved)
        | frame.schedule_health.notna()
        | frame.cost_health.notna()
    )
    names = ["schedule_health", "cost_health", "risk_health", "issue_health"]
    frame[names] = frame[names].astype(object).where(pd.Series(has_input, index=frame.index), None)
    worst = frame[names].apply(lambda row: max(row.dropna(), key=RAG_NUMBER.__getitem__, default=None), axis=1)
    frame["derived_rag"] = worst
    overrides = tables.overrides
    active = overrides[overrides.revoked_at.isna() & (overrides.expires_on >= pd.Timestamp(today))]
    frame["overall_rag"] = active.set_index("project_id").rag.reindex(frame.index).fillna(frame.derived_rag)
    return frame


# --- time in phase ----------------------------------------------------------------------------------------------


def phase_durations(tables: Tables, now: datetime.datetime) -> pd.DataFrame:
    """Registry "phase_duration": each stretch between two transitions (the last one runs to now) is spent in the
    phase the first of them entered, and counts only while the project is active. A phase is in progress when the
    project is in it and active. Rows: project_id, phase, days, in_progress."""
    steps = tables.transitions.sort_values(["project_id", "at", "id"]).copy()
    if steps.empty:
        return pd.DataFrame(columns=["project_id", "phase", "days", "in_progress"])
    steps["until"] = steps.groupby("project_id")["at"].shift(-1).fillna(pd.Timestamp(now))
    seconds = (steps.until - steps["at"]).dt.total_seconds().clip(lower=0)
    steps["days"] = (seconds / 86400).where(steps.to_state == RUNNING_STATE, 0.0)
    durations = steps.groupby(["project_id", "to_phase"], sort=False).days.sum().reset_index()
    durations = durations.rename(columns={"to_phase": "phase"})
    last = steps.groupby("project_id").tail(1).set_index("project_id")
    current = durations.project_id.map(last.to_phase)
    running = durations.project_id.map(last.to_state) == RUNNING_STATE
    durations["in_progress"] = (durations.phase == current) & running
    return durations


def phase_time_summary(tables: Tables, now: datetime.datetime) -> pd.DataFrame:
    """Registry "phase_duration" (portfolio): per portfolio and phase, the median and 85th percentile (linear
    interpolation) of the days of completed phases, and the phases in progress apart: how many, median, oldest."""
    durations = phase_durations(tables, now)
    durations["portfolio_id"] = durations.project_id.map(tables.projects.set_index("id").portfolio_id)
    keys = ["portfolio_id", "phase"]
    done = durations[~durations.in_progress.astype(bool)].groupby(keys).days
    running = durations[durations.in_progress.astype(bool)].groupby(keys).days
    summary = pd.concat(
        {
            "completed": done.count(),
            "median": done.quantile(0.5),
            "p85": done.quantile(0.85),
            "in_progress": running.count(),
            "in_progress_median": running.quantile(0.5),
            "oldest": running.max(),
        },
        axis=1,
    )
    return summary.fillna({"completed": 0, "in_progress": 0})


# --- resource utilization ---------------------------------------------------------------------------------------


def utilization_weeks(tables: Tables, today: datetime.date) -> pd.DataFrame:
    """METRICS.md "resource utilization", per person and ISO week from 8 weeks before the current week to 8 after:
    capacity = working - leave; planned = allocated / capacity; actual = logged to date / capacity; forecast =
    (logged to date + the allocation of the week's working days after today) / capacity; NaN at zero capacity;
    flagged when any is above 100 %."""
    day = pd.Timestamp(today)
    monday = day - pd.Timedelta(days=today.weekday())
    first, last = monday - pd.Timedelta(weeks=UTILIZATION_WEEKS), monday + pd.Timedelta(weeks=UTILIZATION_WEEKS)
    capacities = tables.capacities.assign(capacity=tables.capacities.working_hours - tables.capacities.leave_hours)
    logged = tables.time_entries[tables.time_entries.day <= day]
    logged = logged.assign(week=logged.day - pd.to_timedelta(logged.day.dt.day_of_week, unit="D"))
    cells = pd.concat(
        [
            capacities.groupby(["person_id", "week"]).capacity.sum(),
            tables.allocations.groupby(["person_id", "week"]).hours.sum().rename("allocated"),
            logged.groupby(["person_id", "week"]).hours.sum().rename("logged"),
        ],
        axis=1,
    ).fillna(0.0)
    cells = cells.reset_index()
    cells = cells[(cells.week >= first) & (cells.week <= last)].copy()
    days_ahead = (WORKING_DAYS_PER_WEEK - 1 - (day - cells.week).dt.days).clip(lower=0)
    share = (days_ahead / WORKING_DAYS_PER_WEEK).where(cells.week <= day, 1.0)
    capacity = cells.capacity.where(cells.capacity != 0)
    cells["planned"] = cells.allocated / capacity
    cells["actual"] = cells.logged / capacity
    cells["forecast"] = (cells.logged + cells.allocated * share) / capacity
    cells["over"] = (cells[["planned", "actual", "forecast"]] > UTILIZATION_LIMIT).any(axis=1)
    return cells.sort_values(["person_id", "week"]).reset_index(drop=True)


def utilization_peaks(tables: Tables, today: datetime.date) -> pd.Series:
    """Per person with a portfolio role: the highest planned, actual or forecast utilization of the weeks shown
    (NaN: none defined)."""
    weeks = utilization_weeks(tables, today)
    peaks = weeks[["planned", "actual", "forecast"]].max(axis=1).groupby(weeks.person_id).max()
    return peaks.reindex(sorted(tables.members.user_id.unique()))


# --- comparison with the snapshots ------------------------------------------------------------------------------

RAG_METRICS = ("schedule_health", "cost_health", "risk_health", "issue_health", "overall_rag")
INDEX_METRICS = {"spi": "spi", "cpi": "cpi", "eac_typical": "eac"}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def same_number(stored: Any, expected: Any, *, abs_tol: float = 1e-6) -> bool:
    """Both undefined, or equal within a relative 1e-9 or the absolute tolerance (a missing snapshot: "absent")."""
    if isinstance(stored, str):
        return False
    if _missing(stored) or _missing(expected):
        return _missing(stored) and _missing(expected)
    return math.isclose(float(stored), float(expected), rel_tol=1e-9, abs_tol=abs_tol)


def _snapshots(scope_type: str, *metrics: str) -> dict[tuple[int, str, str], tuple[Any, dict[str, Any]]]:
    rows = MetricSnapshot.objects.filter(scope_type=scope_type, metric__in=metrics)
    return {
        (scope_id, metric, period): (value, detail)
        for scope_id, metric, period, value, detail in rows.values_list(
            "scope_id", "metric", "period", "value", "detail"
        )
    }


def project_disagreements(tables: Tables, today: datetime.date) -> list[str]:
    """The RAGs, SPI, CPI, EAC and data date of every project, stored vs oracle."""
    health = project_health(tables, today)
    stored = _snapshots("project", *RAG_METRICS, *INDEX_METRICS)
    found = []
    for pk, row in health.iterrows():
        for metric in RAG_METRICS:
            value = stored.get((pk, metric, ""), ("absent", {}))[0]
            if not same_number(value, RAG_NUMBER.get(row[metric])):
                found.append(f"project {pk} {metric}: stored {value}, oracle {row[metric]}")
        for metric, column in INDEX_METRICS.items():
            value, detail = stored.get((pk, metric, ""), ("absent", {}))
            if not same_number(value, row[column]):
                found.append(f"project {pk} {metric}: stored {value}, oracle {row[column]}")
            if detail.get("data_date") != row.data_date.date().isoformat():
                found.append(
                    f"project {pk} {metric} data date: stored {detail.get('data_date')}, oracle {row.data_date}"
                )
    return found


def phase_disagreements(tables: Tables, now: datetime.datetime) -> list[str]:
    """Every project's days per phase and the in-progress flag, stored vs oracle (stored days are rounded to 3
    decimals)."""
    expected = {(row.project_id, row.phase): row for row in phase_durations(tables, now).itertuples()}
    stored = {(pk, phase): item for (pk, _metric, phase), item in _snapshots("project", "phase_duration").items()}
    found = [f"phase {key}: stored {stored.get(key)}, oracle absent" for key in stored.keys() - expected.keys()]
    for key, row in expected.items():
        value, detail = stored.get(key, (None, {}))
        if key not in stored or not same_number(value, row.days, abs_tol=1e-3):
            found.append(f"phase {key} days: stored {value}, oracle {row.days}")
        if detail.get("in_progress") != bool(row.in_progress):
            found.append(f"phase {key} in progress: stored {detail.get('in_progress')}, oracle {row.in_progress}")
    return found


def portfolio_disagreements(tables: Tables, today: datetime.date, now: datetime.datetime) -> list[str]:
    """Per portfolio: the forecast KPI and the time-in-phase percentiles of the dashboard rollup, and the medians
    and in-progress ages of the gate-throughput snapshot, stored vs oracle."""
    forecast = portfolio_forecast(tables, today)
    summary = phase_time_summary(tables, now)
    stored = _snapshots("portfolio", "dashboard_rollup", "gate_throughput")
    found = []
    for portfolio_id in tables.projects.portfolio_id.unique():
        rollup = stored.get((portfolio_id, "dashboard_rollup", ""), (None, {}))[1]
        gates = stored.get((portfolio_id, "gate_throughput", ""), (None, {}))[1]
        kpi = rollup.get("cost", {}).get("forecast")
        if not same_number(kpi, forecast.get(portfolio_id, 0.0)):
            found.append(f"portfolio {portfolio_id} forecast: stored {kpi}, oracle {forecast.get(portfolio_id)}")
        phases = summary.loc[portfolio_id] if portfolio_id in summary.index.get_level_values(0) else summary.iloc[:0]
        for phase, row in phases.iterrows():
            checks = {
                "median (rollup)": (rollup.get("phase_percentiles", {}).get(phase, [None, None])[0], row["median"]),
                "p85 (rollup)": (rollup.get("phase_percentiles", {}).get(phase, [None, None])[1], row.p85),
                "median (gates)": (gates.get("median_days", {}).get(phase), row["median"]),
            }
            for where, source, median_key in (
                ("rollup", rollup.get("phase_in_progress"), "median_days"),
                ("gates", gates.get("in_progress"), "median_age_days"),
            ):
                ages = (source or {}).get(phase, {})
                checks[f"in progress count ({where})"] = (ages.get("projects", 0), row.in_progress)
                checks[f"in progress median ({where})"] = (ages.get(median_key), row.in_progress_median)
                checks[f"in progress oldest ({where})"] = (ages.get("oldest_days"), row.oldest)
            for name, (value, oracle) in checks.items():
                if not same_number(value, oracle, abs_tol=1e-3):
                    found.append(f"portfolio {portfolio_id} {phase} {name}: stored {value}, oracle {oracle}")
    return found


def person_disagreements(tables: Tables, today: datetime.date) -> list[str]:
    """Every person's peak utilization and each week's capacity, planned, actual, forecast and flag."""
    weeks = utilization_weeks(tables, today)
    stored = _snapshots("person", "resource_utilization")
    found = []
    for person_id, peak in utilization_peaks(tables, today).items():
        value, detail = stored.get((person_id, "resource_utilization", ""), ("absent", {}))
        if not same_number(value, peak):
            found.append(f"person {person_id} peak utilization: stored {value}, oracle {peak}")
        shown = {week["week"]: week for week in detail.get("weeks", [])}
        expected = weeks[weeks.person_id == person_id]
        if sorted(shown) != [week.date().isoformat() for week in expected.week]:
            found.append(f"person {person_id} weeks: stored {sorted(shown)}, oracle {list(expected.week)}")
        for row in expected.itertuples():
            week = shown.get(row.week.date().isoformat(), {})
            for field in ("capacity", "planned", "actual", "forecast"):
                if not same_number(week.get(field), getattr(row, field)):
                    found.append(
                        f"person {person_id} {row.week:%Y-%m-%d} {field}: stored {week.get(field)}, "
                        f"oracle {getattr(row, field)}"
                    )
            if week.get("over") != bool(row.over):
                found.append(
                    f"person {person_id} {row.week:%Y-%m-%d} over: stored {week.get('over')}, oracle {row.over}"
                )
    return found


def disagreements(today: datetime.date, now: datetime.datetime) -> list[str]:
    """Everything covered, stored vs oracle, as readable lines ([] when they agree)."""
    tables = load_tables()
    return (
        project_disagreements(tables, today)
        + phase_disagreements(tables, now)
        + portfolio_disagreements(tables, today, now)
        + person_disagreements(tables, today)
    )
