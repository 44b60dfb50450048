"""Product metrics for a model in production: activity, adoption, churn, conversion, revenue, satisfaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from metrics.formulas.numbers import Number, as_float, as_fraction, ratio


@dataclass(frozen=True)
class ProductEvent:
    user: str
    name: str
    at: datetime


def _qualifies(event: ProductEvent, qualifying: Collection[str] | None) -> bool:
    return qualifying is None or event.name in qualifying


def active_users(
    events: Iterable[ProductEvent], day: date, window_days: int = 1, qualifying: Collection[str] | None = None
) -> int:
    """Distinct users with at least one qualifying event in the ``window_days`` days ending on ``day`` inclusive.

    DAU: window 1; WAU: 7; MAU: 30 (rolling). ``qualifying`` = event names that count (None: all).
    """
    if window_days < 1:
        raise ValueError("window must be at least one day")
    first = day - timedelta(days=window_days - 1)
    return len({e.user for e in events if first <= e.at.date() <= day and _qualifies(e, qualifying)})


def daily_active_users(events: Iterable[ProductEvent], day: date, qualifying: Collection[str] | None = None) -> int:
    """DAU = distinct users with at least one qualifying event on ``day``."""
    return active_users(events, day, 1, qualifying)


def weekly_active_users(events: Iterable[ProductEvent], day: date, qualifying: Collection[str] | None = None) -> int:
    """WAU = distinct users with a qualifying event in the 7 days ending on ``day`` (rolling)."""
    return active_users(events, day, 7, qualifying)


def monthly_active_users(events: Iterable[ProductEvent], day: date, qualifying: Collection[str] | None = None) -> int:
    """MAU = distinct users with a qualifying event in the 30 days ending on ``day`` (rolling)."""
    return active_users(events, day, 30, qualifying)


def stickiness(dau: int, mau: int) -> float | None:
    """Stickiness = DAU / MAU; None when MAU is 0."""
    return ratio(as_float(dau, "DAU"), as_float(mau, "MAU"))


@dataclass(frozen=True)
class ActiveUsersDay:
    day: date
    dau: int
    wau: int
    mau: int
    stickiness: float | None


def active_users_series(
    events: Iterable[ProductEvent], start: date, end: date, qualifying: Collection[str] | None = None
) -> list[ActiveUsersDay]:
    """DAU, WAU, MAU and stickiness for every day from ``start`` to ``end``; days without events give 0."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    users_by_day: dict[date, set[str]] = defaultdict(set)
    for event in events:
        if _qualifies(event, qualifying):
            users_by_day[event.at.date()].add(event.user)

    def window(day: date, days: int) -> int:
        return len(set().union(*(users_by_day.get(day - timedelta(days=k), set()) for k in range(days))))

    rows = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        dau, mau = window(day, 1), window(day, 30)
        rows.append(ActiveUsersDay(day, dau, window(day, 7), mau, stickiness(dau, mau)))
    return rows


@dataclass(frozen=True)
class FeatureUsage:
    adopters: int
    eligible: int
    usage: float | None  # adopters / eligible
    depth: float | None  # feature events per adopter


def feature_usage(
    events: Iterable[ProductEvent],
    core_event: str,
    start: date,
    end: date,
    qualifying: Collection[str] | None = None,
) -> FeatureUsage:
    """Feature usage = users who performed the feature's core event / eligible active users in the window;
    depth = core events / adopters. Eligible = users with any qualifying event in [start, end] (adopters are
    always eligible). None ratios when nobody was active / nobody adopted."""
    in_window = [e for e in events if start <= e.at.date() <= end]
    core = [e for e in in_window if e.name == core_event]
    adopters = {e.user for e in core}
    eligible = {e.user for e in in_window if _qualifies(e, qualifying)} | adopters
    return FeatureUsage(
        adopters=len(adopters),
        eligible=len(eligible),
        usage=ratio(len(adopters), len(eligible)),
        depth=ratio(len(core), len(adopters)),
    )


def user_churn(previous_active: Collection[str], current_active: Collection[str]) -> float | None:
    """Churn = users active in the previous period and not in this one / users active in the previous period.

    New users of this period do not offset churn. None when nobody was active in the previous period.
    """
    previous = set(previous_active)
    return ratio(len(previous - set(current_active)), len(previous))


#: Smallest cohort whose conversion rate is shown: below it one user moves the rate by 5 points or more, so the
#: headline and chart say "too few users" instead of a percentage.
MIN_CONVERSION_COHORT = 20


@dataclass(frozen=True)
class Funnel:
    """Users per step of an ordered funnel: ``reached[0]`` entered, ``reached[-1]`` converted."""

    steps: tuple[str, ...]
    reached: tuple[int, ...]

    @property
    def entered(self) -> int:
        return self.reached[0] if self.reached else 0

    @property
    def converted(self) -> int:
        return self.reached[-1] if self.reached else 0

    @property
    def rate(self) -> float | None:
        return ratio(self.converted, self.entered)

    @property
    def too_few(self) -> bool:
        return self.entered < MIN_CONVERSION_COHORT


def funnel(events: Iterable[ProductEvent], steps: Sequence[str], window: timedelta) -> Funnel:
    """Users reaching each step of an ordered funnel within ``window`` of entering it.

    Entry = the user's first event of ``steps[0]``. A user reaches step k when they performed step k at or after
    the moment they reached step k - 1 and no later than entry + ``window``; steps are taken in order (the earliest
    qualifying event each time). Steps must be distinct and at least two.
    """
    if len(steps) < 2 or len(set(steps)) != len(steps):
        raise ValueError("a funnel has at least two distinct steps")
    if window <= timedelta(0):
        raise ValueError("the conversion window must be positive")
    entered: dict[str, datetime] = {}
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for event in events:
        if event.name == steps[0] and (event.user not in entered or event.at < entered[event.user]):
            entered[event.user] = event.at
        elif event.name in steps:
            times[(event.user, event.name)].append(event.at)
    reached = [0] * len(steps)
    for user, entry in entered.items():
        reached[0] += 1
        moment, deadline = entry, entry + window
        for index, step in enumerate(steps[1:], start=1):
            following = [at for at in times.get((user, step), ()) if moment <= at <= deadline]
            if not following:
                break
            moment = min(following)
            reached[index] += 1
    return Funnel(tuple(steps), tuple(reached))


def conversion_rate(events: Iterable[ProductEvent], steps: Sequence[str], window: timedelta) -> float | None:
    """Conversion = users reaching the last step / users entering the first step, within ``window`` of entering,
    steps in order (see ``funnel``). None when nobody entered."""
    return funnel(events, steps, window).rate


@dataclass(frozen=True)
class Order:
    customer: str
    day: date
    amount: Number = 0

    def __post_init__(self) -> None:
        as_float(self.amount, "order amount")


def repurchase_rate(orders: Iterable[Order], start: date, end: date) -> float | None:
    """Repurchase rate = customers with >= 2 orders / customers with >= 1 order in [start, end]; None if none."""
    counts: dict[str, int] = defaultdict(int)
    for order in orders:
        if start <= order.day <= end:
            counts[order.customer] += 1
    return ratio(sum(1 for n in counts.values() if n >= 2), len(counts))


def customer_acquisition_cost(sales_and_marketing_spend: Number, new_customers: int) -> float | None:
    """CAC = sales and marketing spend / new customers in the period; None when no customer was won."""
    if new_customers < 0:
        raise ValueError("new customers must not be negative")
    return ratio(as_float(sales_and_marketing_spend, "spend"), new_customers)


@dataclass(frozen=True)
class MarketingSpend:
    channel: str
    period_start: date
    amount: Number

    def __post_init__(self) -> None:
        as_float(self.amount, "marketing spend")


def spend_in_period(spend: Iterable[MarketingSpend], start: date, end: date) -> float:
    """Total spend over all channels for periods starting in [start, end]."""
    return sum((float(row.amount) for row in spend if start <= row.period_start <= end), 0.0)


def customer_churn(previous_customers: Collection[str], current_customers: Collection[str]) -> float | None:
    """Customer churn = paying customers of the previous period (who ordered in it) who did not order in this one
    / paying customers of the previous period. None when nobody ordered in the previous period."""
    previous = set(previous_customers)
    return ratio(len(previous - set(current_customers)), len(previous))


def customer_lifetime_value(
    revenue_per_customer: Number, gross_margin: Number, customer_churn_rate: Number | None
) -> float | None:
    """CLV = revenue per paying customer x gross margin (0..1) / churn of paying customers (per period, 0..1).

    One population: revenue and churn are both of paying customers. Undefined when churn is 0 or unknown: returns
    None and the caller shows the historical value instead.
    """
    if customer_churn_rate is None:
        return None
    churn = as_fraction(customer_churn_rate, "customer churn rate")
    revenue = as_float(revenue_per_customer, "revenue per paying customer")
    return ratio(revenue * as_fraction(gross_margin, "gross margin"), churn)


def clv_to_cac(clv: Number | None, cac: Number | None) -> float | None:
    """CLV : CAC = CLV / CAC (target >= 3); None when either is unknown or CAC is 0."""
    if clv is None or cac is None:
        return None
    return ratio(as_float(clv, "CLV"), as_float(cac, "CAC"))


def _scores(values: Iterable[int], low: int, high: int, name: str) -> list[int]:
    scores = list(values)
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
            raise ValueError(f"{name} answers are whole numbers from {low} to {high}, got {score!r}")
    return scores


def net_promoter_score(responses: Sequence[int]) -> float | None:
    """NPS = % promoters (9-10) - % detractors (0-6) of all responses (0-10), from -100 to 100; None if none."""
    scores = _scores(responses, 0, 10, "NPS")
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return (promoters - detractors) * 100 / len(scores)


def customer_satisfaction(responses: Sequence[int]) -> float | None:
    """CSAT = responses of 4 or 5 / all responses x 100, on a 1-5 scale; None if none."""
    scores = _scores(responses, 1, 5, "CSAT")
    if not scores:
        return None
    return sum(1 for s in scores if s >= 4) * 100 / len(scores)
