"""An independent implementation of the product headline metrics, pandas straight from the input tables.

It reads the product's events, customers, orders, marketing spend and survey responses with ``.values()`` and
recomputes each metric from /work/shared/METRICS.md (Product) and the registry's wording, without the adapters,
formulas, computers or selectors it checks. Constants are restated on purpose.

Periods, as the registry states them: a day or month is complete once it ended before today (local time);
daily headlines are of the last complete day of the data's span (which ends on the latest input day, at most
today); monthly headlines of the latest complete month with a value, among the last 12 months of the span.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import F
from django.utils import timezone

from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse

#: METRICS.md DAU / WAU / MAU: distinct users over 1 day, rolling 7 and 30 days.
ACTIVE_WINDOWS = {"dau": 1, "wau": 7, "mau": 30}
#: Registry, conversion: a cohort below 20 users shows "too few users", no percentage.
MIN_CONVERSION_COHORT = 20
#: Registry, monthly metrics: the last 12 calendar months; daily series: the last 180 days.
MONTHS = 12
DAILY_DAYS = 180
PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # METRICS.md NPS: promoters 9-10, detractors 0-6
SATISFIED_MIN = 4  # METRICS.md CSAT: responses of 4 or 5

__all__ = [
    "Headline",
    "ProductTables",
    "active_users",
    "cac",
    "clv",
    "conversion",
    "csat",
    "monthly_headline",
    "nps",
    "product_tables",
    "span_months",
    "stickiness",
    "user_churn",
]


@dataclass(frozen=True)
class ProductTables:
    """The raw rows of one product, with their local days and months."""

    product: dict[str, Any]  # funnel_steps, funnel_window_days
    events: pd.DataFrame  # user_id, name, at (UTC), day, month
    orders: pd.DataFrame  # customer, at, day, month, revenue, gross_profit
    customers: pd.DataFrame  # external_id, acquired_on, month
    spend: pd.DataFrame  # period_start, month, amount
    surveys: pd.DataFrame  # kind, score, day, month
    today: datetime.date

    @property
    def end(self) -> datetime.date:
        """The span's last day: the latest day of any input, at most today (today when there is none)."""
        days = [d for d in self._input_days() if d]
        return min(max(days), self.today) if days else self.today

    @property
    def first_day(self) -> datetime.date | None:
        days = [d for d in self._input_days(first=True) if d]
        return min(days) if days else None

    def _input_days(self, first: bool = False) -> list[datetime.date | None]:
        pick = min if first else max
        columns = [(self.events, "day"), (self.orders, "day"), (self.surveys, "day"),
                   (self.customers, "acquired_on"), (self.spend, "period_start")]  # fmt: skip
        return [pick(frame[column]) if not frame.empty else None for frame, column in columns]


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _local(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    zone = timezone.get_current_timezone()
    moments = pd.to_datetime(frame[column], utc=True)
    days = [moment.tz_convert(zone).date() for moment in moments]
    return frame.assign(**{column: moments, "day": days, "month": [_month(day) for day in days]})


def _frame(rows: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def product_tables(product_id: int, today: datetime.date) -> ProductTables:
    """Load every input row of the product (6 queries)."""
    product = Product.objects.filter(pk=product_id).values("funnel_steps", "funnel_window_days").get()
    events = _local(_frame(ProductEvent.objects.filter(product_id=product_id).values("user_id", "name", "at"),
                           ["user_id", "name", "at"]), "at")  # fmt: skip
    orders = _frame(
        Order.objects.filter(customer__product_id=product_id).values(
            buyer=F("customer__external_id"), moment=F("placed_at"), amount=F("revenue"), margin=F("gross_margin")
        ).values("buyer", "moment", "amount", "margin"),
        ["buyer", "moment", "amount", "margin"],
    ).set_axis(["customer", "at", "revenue", "margin"], axis=1)  # fmt: skip
    orders = _local(orders, "at")
    orders["revenue"] = orders["revenue"].astype(float)
    orders["gross_profit"] = orders["revenue"] * orders["margin"].astype(float)
    customers = _frame(Customer.objects.filter(product_id=product_id).values("external_id", "acquired_on"),
                       ["external_id", "acquired_on"])  # fmt: skip
    customers["month"] = [_month(day) for day in customers["acquired_on"]]
    spend = _frame(MarketingSpend.objects.filter(product_id=product_id).values("period_start", "amount"),
                   ["period_start", "amount"])  # fmt: skip
    spend["month"] = [_month(day) for day in spend["period_start"]]
    spend["amount"] = spend["amount"].astype(float)
    surveys = _local(_frame(SurveyResponse.objects.filter(product_id=product_id).values("kind", "score", "at"),
                            ["kind", "score", "at"]), "at")  # fmt: skip
    return ProductTables(product, events, orders, customers, spend, surveys, today)


# --- active users -------------------------------------------------------------------------------------------------


def headline_day(tables: ProductTables) -> datetime.date | None:
    """The last complete day of the span (registry: today is partial); None when the span has none, or without
    any event."""
    if tables.events.empty or tables.first_day is None:
        return None
    day = min(tables.end, tables.today - datetime.timedelta(days=1))
    first_shown = max(tables.end - datetime.timedelta(days=DAILY_DAYS - 1), tables.first_day)
    return day if day >= first_shown else None


def active_users(tables: ProductTables, day: datetime.date, window_days: int) -> int:
    """METRICS.md DAU / WAU / MAU: distinct users with an event in the ``window_days`` days ending on ``day``."""
    first = day - datetime.timedelta(days=window_days - 1)
    days = tables.events["day"]
    return int(tables.events.loc[(days >= first) & (days <= day), "user_id"].nunique())


def stickiness(tables: ProductTables, day: datetime.date) -> float | None:
    """METRICS.md stickiness = DAU / MAU of the same day; None when MAU is 0."""
    mau = active_users(tables, day, ACTIVE_WINDOWS["mau"])
    return active_users(tables, day, ACTIVE_WINDOWS["dau"]) / mau if mau else None


# --- monthly metrics ------------------------------------------------------------------------------------------------


def span_months(tables: ProductTables) -> list[datetime.date]:
    """The monthly series' months: the last 12 to the span's end, none before the first input's month."""
    end_month = _month(tables.end)
    months = list(pd.date_range(end=end_month, periods=MONTHS, freq="MS").date)
    first = tables.first_day
    if first is not None and first <= tables.end:
        months = [month for month in months if month >= _month(first)]
    return months


def _month_end(month: datetime.date) -> datetime.date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def _previous(month: datetime.date) -> datetime.date:
    return (pd.Timestamp(month) - pd.offsets.MonthBegin(1)).date()


def user_churn(tables: ProductTables, month: datetime.date) -> float | None:
    """METRICS.md user churn: users active in the previous month and not in this one / users active in the
    previous month; None when nobody was active then."""
    by_month = tables.events.groupby("month")["user_id"].agg(set) if not tables.events.empty else {}
    before = by_month.get(_previous(month), set())
    now = by_month.get(month, set())
    return len(before - now) / len(before) if before else None


@dataclass(frozen=True)
class Cohort:
    entered: int
    converted: int

    @property
    def rate(self) -> float | None:
        """METRICS.md conversion; None ("too few users") below ``MIN_CONVERSION_COHORT`` entrants."""
        return self.converted / self.entered if self.entered >= MIN_CONVERSION_COHORT else None


def conversion(tables: ProductTables, month: datetime.date) -> Cohort | None:
    """METRICS.md conversion, per the registry: the cohort of users whose first event of the funnel's first step
    falls in ``month``; converted = those who then did each later step in order (each at or after the previous
    one) no later than entry + the product's window. None without a funnel or an entrant."""
    steps = list(tables.product["funnel_steps"] or [])
    if len(steps) < 2 or tables.events.empty:
        return None
    window = pd.Timedelta(days=tables.product["funnel_window_days"])
    events = tables.events
    entries = events[events["name"] == steps[0]].groupby("user_id")["at"].min()
    entries = entries[[_month(timezone.localtime(moment).date()) == month for moment in entries]]
    if entries.empty:
        return None
    later = events[events["name"].isin(steps[1:]) & events["user_id"].isin(entries.index)]
    by_user = dict(iter(later.groupby("user_id")))
    converted = 0
    for user, entered in entries.items():
        moment, deadline = entered, entered + window
        mine = by_user.get(user, later.iloc[:0])
        for step in steps[1:]:
            times = mine.loc[(mine["name"] == step) & (mine["at"] >= moment) & (mine["at"] <= deadline), "at"]
            if times.empty:
                break
            moment = times.min()
        else:
            converted += 1
    return Cohort(entered=len(entries), converted=converted)


def clv(tables: ProductTables, month: datetime.date) -> float | None:
    """METRICS.md CLV = revenue per user x gross margin / churn, with one population (registry): customers who
    ordered in the month, and their churn (ordered in the previous month, not in this one / ordered in the previous
    month). Undefined at zero or unknown churn, or without revenue: then the historical value, gross profit so far
    per customer who has ordered."""
    orders = tables.orders
    if orders.empty:
        return None
    in_month = orders[orders["month"] == month]
    before = set(orders.loc[orders["month"] == _previous(month), "customer"])
    paying = set(in_month["customer"])
    revenue = float(in_month["revenue"].sum())
    churn = len(before - paying) / len(before) if before else None
    if revenue and paying and churn:
        margin = min(float(in_month["gross_profit"].sum()) / revenue, 1.0)
        return revenue / len(paying) * margin / churn
    to_date = orders[orders["day"] <= _month_end(month)]
    customers = to_date["customer"].nunique()
    return float(to_date["gross_profit"].sum()) / customers if customers else None


def cac(tables: ProductTables, month: datetime.date) -> float | None:
    """METRICS.md CAC = sales and marketing spend / new customers in the month. Spend counts in the month its period
    starts (registry); new customers = acquired in the month. None without spend rows or new customers."""
    if tables.spend.empty:
        return None
    won = int((tables.customers["month"] == month).sum()) if not tables.customers.empty else 0
    spent = float(tables.spend.loc[tables.spend["month"] == month, "amount"].sum())
    return spent / won if won else None


def _scores(tables: ProductTables, kind: str, month: datetime.date) -> np.ndarray:
    if tables.surveys.empty:
        return np.array([], dtype=int)
    rows = tables.surveys
    return rows.loc[(rows["kind"] == kind) & (rows["month"] == month), "score"].to_numpy(dtype=int)


def nps(tables: ProductTables, month: datetime.date) -> float | None:
    """METRICS.md NPS = % promoters (9-10) - % detractors (0-6); None without responses."""
    scores = _scores(tables, "nps", month)
    if not len(scores):
        return None
    return float(((scores >= PROMOTER_MIN).sum() - (scores <= DETRACTOR_MAX).sum()) * 100 / len(scores))


def csat(tables: ProductTables, month: datetime.date) -> float | None:
    """METRICS.md CSAT = responses of 4 or 5 / all responses x 100; None without responses."""
    scores = _scores(tables, "csat", month)
    return float((scores >= SATISFIED_MIN).sum() * 100 / len(scores)) if len(scores) else None


@dataclass(frozen=True)
class Headline:
    month: datetime.date | None
    value: float | None
    too_few: bool = False


def monthly_headline(tables: ProductTables, metric: str) -> Headline:
    """The latest complete month with a value (registry). Conversion: complete once its month is over and the
    window has closed for its last entrant; a cohort with too few users is a headline ("too few users")."""
    window = datetime.timedelta(days=tables.product["funnel_window_days"])
    for month in reversed(span_months(tables)):
        if _month_end(month) >= tables.today:
            continue
        if metric == "conversion_rate":
            if _month_end(month) + window >= tables.today:
                continue
            cohort = conversion(tables, month)
            if cohort is not None and (cohort.rate is not None or cohort.entered):
                return Headline(month, cohort.rate, cohort.rate is None)
            continue
        value = MONTHLY[metric](tables, month)
        if value is not None:
            return Headline(month, value)
    return Headline(None, None)


MONTHLY = {"user_churn": user_churn, "clv": clv, "cac": cac, "nps": nps, "csat": csat}
