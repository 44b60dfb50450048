"""Portfolio health: overall RAG, schedule and cost health, earned value, cost, risk and issue health.

Resource utilization lives in ``resources``; benefits, time to mobilize and ROI in ``value``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from metrics.formulas.bands import (
    INDEX_BANDS,
    ISSUE_LOAD_BANDS,
    ISSUE_WEIGHTS,
    RISK_EXPOSURE_BANDS,
    IndexBands,
    IssueWeights,
    LoadBands,
    Rag,
    worst_rag,
)
from metrics.formulas.calendar import days_between
from metrics.formulas.numbers import Number, as_float, as_fraction, optional_float, ratio

# --- overall status -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OverallRag:
    derived: Rag | None  # worst of the four dimensions
    value: Rag | None  # what the dashboards show: the override when there is one
    overridden: bool
    reason: str


def overall_rag(
    schedule: Rag | None,
    cost: Rag | None,
    risk: Rag | None,
    issues: Rag | None,
    override: Rag | None = None,
    override_reason: str = "",
) -> OverallRag:
    """Overall RAG = worst of the schedule, cost, risk and issue RAGs (red > yellow > green).

    Inputs: the four dimension RAGs (None = not assessed, ignored; all None -> None: the project is not assessed)
    and an optional override, which needs a non-blank reason (ValueError otherwise) and wins over the derived
    value. The derived value is kept so history shows both. The project computer feeds it the computed dimension
    RAGs and a manager's override in force (``RagOverride``: reason and last day); a status report feeds it the
    PM's own ratings, which give the reported RAG shown beside the computed one.
    """
    derived = worst_rag([schedule, cost, risk, issues])
    if override is None:
        return OverallRag(derived=derived, value=derived, overridden=False, reason="")
    if not override_reason.strip():
        raise ValueError("a manager override of the overall RAG needs a reason")
    return OverallRag(derived=derived, value=Rag(override), overridden=True, reason=override_reason.strip())


def status_count(rags: Iterable[Rag | str | None]) -> dict[str, int]:
    """Projects grouped by overall RAG: {"green": n, "yellow": n, "red": n, "not_assessed": n} (all keys present;
    ``None`` is a project not assessed, the one name that state has everywhere)."""
    counts = Counter("not_assessed" if rag is None else Rag(rag).value for rag in rags)
    return {key: counts.get(key, 0) for key in ("green", "yellow", "red", "not_assessed")}


def projects_by_phase(phases: Iterable[str], order: Sequence[str] = ()) -> dict[str, int]:
    """Count of projects per lifecycle phase; phases listed in ``order`` come first and appear even at 0."""
    counts = Counter(phases)
    result = {phase: counts.get(phase, 0) for phase in order}
    result.update({phase: n for phase, n in counts.items() if phase not in result})
    return result


# --- earned value ---------------------------------------------------------------------------------------------


def planned_value(budget_at_completion: Number, planned_percent_complete: Number) -> float:
    """PV = planned % complete x BAC. Percent complete is a fraction 0..1; BAC >= 0."""
    return as_fraction(planned_percent_complete, "planned % complete") * as_float(budget_at_completion, "BAC")


def earned_value(budget_at_completion: Number, actual_percent_complete: Number) -> float:
    """EV = actual % complete x BAC. Percent complete is a fraction 0..1; BAC >= 0."""
    return as_fraction(actual_percent_complete, "actual % complete") * as_float(budget_at_completion, "BAC")


def schedule_performance_index(earned: Number, planned: Number) -> float | None:
    """SPI = EV / PV; None when PV is 0 (nothing was planned yet)."""
    return ratio(as_float(earned, "EV"), as_float(planned, "PV"))


def cost_performance_index(earned: Number, actual_cost: Number) -> float | None:
    """CPI = EV / AC; None when AC is 0 (nothing spent yet)."""
    return ratio(as_float(earned, "EV"), as_float(actual_cost, "AC"))


def schedule_health(earned: Number, planned: Number, bands: IndexBands = INDEX_BANDS) -> Rag | None:
    """Schedule RAG from SPI = EV / PV: green >= 0.95, yellow 0.90-0.95, red < 0.90; None when SPI is undefined."""
    return bands.rag(schedule_performance_index(earned, planned))


def cost_health(earned: Number, actual_cost: Number, bands: IndexBands = INDEX_BANDS) -> Rag | None:
    """Cost RAG from CPI = EV / AC with the same bands as SPI; None when CPI is undefined."""
    return bands.rag(cost_performance_index(earned, actual_cost))


def cost_variance(earned: Number, actual_cost: Number) -> float:
    """CV = EV - AC (negative: over budget for the work done)."""
    return as_float(earned, "EV") - as_float(actual_cost, "AC")


def schedule_variance(earned: Number, planned: Number) -> float:
    """SV = EV - PV (negative: behind plan), in money."""
    return as_float(earned, "EV") - as_float(planned, "PV")


def estimate_at_completion_typical(budget_at_completion: Number, cpi: Number | None) -> float | None:
    """EAC (typical) = BAC / CPI: today's cost efficiency continues. None when CPI is None or 0."""
    index = optional_float(cpi, "CPI")
    if index is None:
        return None
    return ratio(as_float(budget_at_completion, "BAC"), index)


def estimate_at_completion_atypical(budget_at_completion: Number, earned: Number, actual_cost: Number) -> float:
    """EAC (atypical) = AC + (BAC - EV): the overrun so far was a one-off, the rest costs as budgeted."""
    return as_float(actual_cost, "AC") + (as_float(budget_at_completion, "BAC") - as_float(earned, "EV"))


def estimate_to_complete(estimate_at_completion: Number | None, actual_cost: Number) -> float | None:
    """ETC = EAC - AC; None when EAC is undefined."""
    eac = optional_float(estimate_at_completion, "EAC")
    return None if eac is None else eac - as_float(actual_cost, "AC")


def variance_at_completion(budget_at_completion: Number, estimate_at_completion: Number | None) -> float | None:
    """VAC = BAC - EAC; None when EAC is undefined."""
    eac = optional_float(estimate_at_completion, "EAC")
    return None if eac is None else as_float(budget_at_completion, "BAC") - eac


def to_complete_performance_index(budget_at_completion: Number, earned: Number, actual_cost: Number) -> float | None:
    """TCPI = (BAC - EV) / (BAC - AC): the efficiency the remaining work needs. None when AC equals BAC."""
    bac = as_float(budget_at_completion, "BAC")
    return ratio(bac - as_float(earned, "EV"), bac - as_float(actual_cost, "AC"))


@dataclass(frozen=True)
class EarnedValue:
    budget_at_completion: float
    planned_value: float
    earned_value: float
    actual_cost: float
    cost_variance: float
    schedule_variance: float
    spi: float | None
    cpi: float | None
    eac_typical: float | None
    eac_atypical: float
    etc: float | None  # from the typical EAC, which is also the cost forecast
    vac: float | None
    tcpi: float | None


def earned_value_summary(
    budget_at_completion: Number,
    planned_percent_complete: Number,
    actual_percent_complete: Number,
    actual_cost: Number,
    *,
    finished: bool = False,
) -> EarnedValue:
    """Every earned-value figure at once from BAC, planned and actual % complete (0..1) and AC, all three taken at
    the same data date. A ``finished`` (closed or cancelled) project costs what it has cost: EAC (typical and
    atypical) = AC, ETC = 0, VAC = BAC - AC and TCPI is undefined (no work remains)."""
    bac = as_float(budget_at_completion, "BAC")
    ac = as_float(actual_cost, "AC")
    pv = planned_value(bac, planned_percent_complete)
    ev = earned_value(bac, actual_percent_complete)
    cpi = cost_performance_index(ev, ac)
    if finished:
        return EarnedValue(
            budget_at_completion=bac,
            planned_value=pv,
            earned_value=ev,
            actual_cost=ac,
            cost_variance=cost_variance(ev, ac),
            schedule_variance=schedule_variance(ev, pv),
            spi=schedule_performance_index(ev, pv),
            cpi=cpi,
            eac_typical=ac,
            eac_atypical=ac,
            etc=0.0,
            vac=variance_at_completion(bac, ac),
            tcpi=None,
        )
    eac = estimate_at_completion_typical(bac, cpi)
    return EarnedValue(
        budget_at_completion=bac,
        planned_value=pv,
        earned_value=ev,
        actual_cost=ac,
        cost_variance=cost_variance(ev, ac),
        schedule_variance=schedule_variance(ev, pv),
        spi=schedule_performance_index(ev, pv),
        cpi=cpi,
        eac_typical=eac,
        eac_atypical=estimate_at_completion_atypical(bac, ev, ac),
        etc=estimate_to_complete(eac, ac),
        vac=variance_at_completion(bac, eac),
        tcpi=to_complete_performance_index(bac, ev, ac),
    )


# --- cost planned / actual / forecast -------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetPeriod:
    """Budget for one period (inclusive dates), spread evenly over its calendar days."""

    start: date
    end: date
    amount: Number

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"budget period ends ({self.end}) before it starts ({self.start})")
        as_float(self.amount, "budget amount")


@dataclass(frozen=True)
class CostEntry:
    """Money spent on a day. Corrections edit the entry; a negative amount is refused."""

    day: date
    amount: Number

    def __post_init__(self) -> None:
        as_float(self.amount, "cost amount")


def budget_at_completion(budget: Iterable[BudgetPeriod]) -> float:
    """BAC = sum of the budget of every period (the whole time-phased budget, whatever the date)."""
    return sum((float(period.amount) for period in budget), 0.0)


def portfolio_forecast(projects: Iterable[tuple[Number, Number | None]]) -> float:
    """Portfolio forecast (EAC) = sum over the projects of each project's EAC, given as (BAC, EAC) pairs.

    A project's EAC is BAC / CPI (typical) while it runs, AC once closed or cancelled; while it has no EAC (CPI
    undefined or 0: nothing spent or nothing earned yet) its BAC stands in. Not BAC / CPI of the portfolio: a
    finished project's remaining budget is never spent, and one project's efficiency does not carry to another.
    """
    total = 0.0
    for bac, eac in projects:
        estimate = optional_float(eac, "EAC")
        total += as_float(bac, "BAC") if estimate is None else estimate
    return total


def planned_cost_to_date(budget: Iterable[BudgetPeriod], as_of: date) -> float:
    """Planned cost = budget spread over periods: each period contributes amount x (its days up to ``as_of``) /
    (its days). Periods without a budget row simply add nothing (a missing period is not an error)."""
    total = 0.0
    for period in budget:
        if as_of < period.start:
            continue
        length = (period.end - period.start).days + 1
        elapsed = min((as_of - period.start).days + 1, length)
        total += float(period.amount) * elapsed / length
    return total


def actual_cost_to_date(costs: Iterable[CostEntry], as_of: date) -> float:
    """Actual cost = sum of cost entries dated on or before ``as_of`` (periods without entries add 0)."""
    return sum((float(entry.amount) for entry in costs if entry.day <= as_of), 0.0)


@dataclass(frozen=True)
class CostPoint:
    day: date
    planned: float  # cumulative
    actual: float  # cumulative


def cost_curve(budget: Sequence[BudgetPeriod], costs: Sequence[CostEntry], days: Iterable[date]) -> list[CostPoint]:
    """The cumulative planned and actual cost at each of ``days`` (the S-curve); forecast is the typical EAC."""
    return [CostPoint(day, planned_cost_to_date(budget, day), actual_cost_to_date(costs, day)) for day in days]


# --- risk and issue health ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Risk:
    probability: Number  # 0..1
    impact: Number  # >= 0, on the portfolio's impact scale (default 1-5)
    is_open: bool = True

    def __post_init__(self) -> None:
        as_fraction(self.probability, "risk probability")
        as_float(self.impact, "risk impact")


def risk_exposure(risks: Iterable[Risk]) -> float:
    """Exposure = sum of probability x impact over open risks (closed risks add nothing; no risks -> 0)."""
    return sum((float(risk.probability) * float(risk.impact) for risk in risks if risk.is_open), 0.0)


def risk_health(risks: Iterable[Risk], bands: LoadBands = RISK_EXPOSURE_BANDS) -> Rag:
    """Risk RAG from the exposure: green < 2, yellow 2-4, red >= 4 by default."""
    return bands.rag(risk_exposure(risks)) or Rag.GREEN


@dataclass(frozen=True)
class Issue:
    severity: str  # low / medium / high / critical
    opened: date
    closed: date | None = None

    def __post_init__(self) -> None:
        if self.closed is not None and self.closed < self.opened:
            raise ValueError(f"issue closed ({self.closed}) before it was opened ({self.opened})")

    def is_open_on(self, day: date) -> bool:
        """Open at the end of ``day``: opened on or before it and not closed by then."""
        return self.opened <= day and (self.closed is None or self.closed > day)


def issue_load(issues: Iterable[Issue], as_of: date, weights: IssueWeights = ISSUE_WEIGHTS) -> float:
    """Open issues weighted by severity at the end of ``as_of``: sum of weight(severity) over open issues."""
    return sum((weights.weight(issue.severity) for issue in issues if issue.is_open_on(as_of)), 0.0)


def issue_health(
    issues: Iterable[Issue],
    as_of: date,
    weights: IssueWeights = ISSUE_WEIGHTS,
    bands: LoadBands = ISSUE_LOAD_BANDS,
) -> Rag:
    """Issue RAG from the weighted open issues: green < 4, yellow 4-8, red >= 8 by default."""
    return bands.rag(issue_load(issues, as_of, weights)) or Rag.GREEN


@dataclass(frozen=True)
class IssueDay:
    day: date
    opened: int
    closed: int
    open_at_end: int
    weighted_open: float


def issue_daily_series(
    issues: Sequence[Issue], start: date, end: date, weights: IssueWeights = ISSUE_WEIGHTS
) -> list[IssueDay]:
    """Per calendar day from ``start`` to ``end``: issues opened, closed, open at the day's end and weighted load."""
    return [
        IssueDay(
            day=day,
            opened=sum(1 for issue in issues if issue.opened == day),
            closed=sum(1 for issue in issues if issue.closed == day),
            open_at_end=sum(1 for issue in issues if issue.is_open_on(day)),
            weighted_open=issue_load(issues, day, weights),
        )
        for day in days_between(start, end)
    ]
