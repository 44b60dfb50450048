"""Pure computations of the product snapshots: aggregated product rows -> trend series (pandas), no database.

``metrics.product.computers.products`` loads ``ProductInputs`` with a fixed number of aggregated queries and
turns them into ``SnapshotValue``s with ``product_values``. Ratios go through ``metrics.formulas.product`` so
the dashboard and the registry's "how is this computed" text agree.

Periods (``periods``): daily series cover the last ``DAILY_DAYS`` days of the data's span (ending on its latest
day, never after today), weekly and monthly series aggregate them; monthly metrics (churn, conversion, repurchase,
CAC, CLV, NPS, CSAT) cover the last ``MONTHS`` calendar months. Periods not over by today are partial: shown in
the series, never in a headline. DAU / WAU / MAU / stickiness headlines are the last complete day's; monthly
headlines the latest complete month with a value. Conversion and feature usage: ``funnel``; revenue: ``money``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from metrics.formulas import product as formulas
from metrics.formulas.bands import CLV_CAC_TARGET
from metrics.formulas.calendar import add_months
from metrics.product.computers.funnel import conversion_points, feature_values
from metrics.product.computers.money import CLV_POPULATION, order_points
from metrics.product.computers.periods import (
    ACTIVE_WINDOWS,
    Point,
    last_complete_day,
    month_key,
    monthly_value,
    span,
)
from metrics.snapshots.registry import SnapshotValue


@dataclass
class ProductInputs:
    """Aggregated rows of one product. Frames are small: one row per user-day, per user, per order, ..."""

    end: datetime.date  # last day of the span (latest data, at most today)
    first_day: datetime.date | None  # first day with any product data
    user_days: pd.DataFrame  # columns user, day (datetime64): distinct active user-days
    feature_months: pd.DataFrame  # columns name, month, adopters, events (the core events only)
    funnel_entries: pd.DataFrame  # columns user, entered_at: each user's first event of the funnel's first step
    funnel_events: pd.DataFrame  # columns user, name, at: events of the funnel's later steps
    orders: pd.DataFrame  # columns customer, placed_at, day, revenue, gross_profit (floats)
    new_customers: dict[datetime.date, int]  # month start -> customers acquired that month
    today: datetime.date  # the clock's day: periods ending on or after it are partial
    funnel_steps: list[str] = field(default_factory=list)
    funnel_window_days: int = 30
    core_events: list[str] = field(default_factory=list)
    spend: list[formulas.MarketingSpend] = field(default_factory=list)
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)  # columns kind, month, score, n


# --- active users -----------------------------------------------------------------------------------------------


def _epoch_days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype(np.int64)


def rolling_active_users(user_days: pd.DataFrame, start: datetime.date, end: datetime.date, window: int) -> pd.Series:
    """Distinct users with an event in the ``window`` days ending on each day from ``start`` to ``end``.

    Each active day of a user covers [day, day + window), cut at the user's next active day, so the intervals of
    one user never overlap; a +1/-1 difference array summed over days then counts distinct users per day.
    """
    days = pd.date_range(start, end, freq="D")
    if user_days.empty:
        return pd.Series(0, index=days, dtype="int64")
    frame = pd.DataFrame({"user": user_days["user"].to_numpy(), "day": _epoch_days(user_days["day"])})
    frame = frame.sort_values(["user", "day"], kind="stable")
    following = frame.groupby("user", sort=False)["day"].shift(-1)
    reach = frame["day"].to_numpy() + window
    stop = np.where(following.isna().to_numpy(), reach, np.minimum(reach, following.fillna(0).to_numpy()))
    stop = stop.astype(np.int64)
    base = int(np.datetime64(start, "D").astype(np.int64))
    length = (end - start).days + 1
    # Intervals starting before the series still count on its first days: clip their start to the series.
    begin = np.clip(frame["day"].to_numpy() - base, 0, length)
    finish = np.clip(stop - base, 0, length)
    changes = np.bincount(begin, minlength=length + 1) - np.bincount(finish, minlength=length + 1)
    return pd.Series(np.cumsum(changes)[:length], index=days, dtype="int64")


def day_iso(value: Any) -> str:
    """A pandas or numpy timestamp's day as ISO text."""
    return pd.Timestamp(value).date().isoformat()


def _resample(series: pd.Series, rule: str, how: str) -> list[list[Any]]:
    """Weekly (Monday) or monthly points: the mean of the days, or the value on the period's last day."""
    grouped = series.resample(rule, label="left", closed="left")
    values = grouped.mean() if how == "mean" else grouped.last()
    return [[day_iso(index), None if pd.isna(value) else round(float(value), 4)] for index, value in values.items()]


def active_user_values(inputs: ProductInputs, start: datetime.date) -> list[SnapshotValue]:
    """DAU, WAU, MAU and stickiness: daily / weekly / monthly series to the span's end (today partial), and the
    headline of the last complete day (its WAU / MAU windows end that day)."""
    end = inputs.end
    headline_day = last_complete_day(end, inputs.today)
    partial_from = inputs.today if end >= inputs.today else None
    counts = {key: rolling_active_users(inputs.user_days, start, end, days) for key, days in ACTIVE_WINDOWS.items()}
    dau, mau = counts["dau"], counts["mau"]
    sticky = pd.Series(
        [formulas.stickiness(int(d), int(m)) for d, m in zip(dau, mau, strict=True)], index=dau.index, dtype="float64"
    )
    values = []
    for key, series in [*counts.items(), ("stickiness", sticky)]:
        how = "mean" if key in ("dau", "stickiness") else "last"
        daily = [[day_iso(day), None if pd.isna(v) else round(float(v), 4)] for day, v in series.items()]
        detail = {
            "window_days": ACTIVE_WINDOWS.get(key),
            "daily": daily,
            "weekly": _resample(series, "W-MON", how),
            "monthly": _resample(series, "MS", how),
            "weekly_rule": "mean of the days" if how == "mean" else "value on the week's last day",
            "has_events": not inputs.user_days.empty,
            "headline_day": headline_day.isoformat() if headline_day >= start else None,
            "headline_rule": "last complete day",
            "partial_from": partial_from.isoformat() if partial_from else None,
        }
        last = series.get(pd.Timestamp(headline_day)) if headline_day >= start else None
        headline = None if last is None or pd.isna(last) or inputs.user_days.empty else float(last)
        values.append(SnapshotValue(key, headline, period_start=start, period_end=end, detail=detail))
    return values


# --- monthly metrics ----------------------------------------------------------------------------------------------


def users_by_month(user_days: pd.DataFrame) -> dict[datetime.date, set[str]]:
    if user_days.empty:
        return {}
    months = month_key(user_days["day"])
    return {month: set(users) for month, users in user_days["user"].groupby(months.to_numpy())}


def churn_points(users: dict[datetime.date, set[str]], months: list[datetime.date]) -> dict[datetime.date, Point]:
    points = {}
    for month in months:
        previous = users.get(add_months(month, -1), set())
        current = users.get(month, set())
        churn = formulas.user_churn(previous, current)
        points[month] = {"value": churn, "churned": len(previous - current), "previous_active": len(previous)}
    return points


def survey_points(surveys: pd.DataFrame, kind: str, months: list[datetime.date]) -> dict[datetime.date, Point]:
    if surveys.empty:
        return {}
    rows = surveys[surveys["kind"] == kind]
    scores: dict[datetime.date, list[int]] = defaultdict(list)
    for month, score, count in zip(month_key(rows["month"]), rows["score"], rows["n"], strict=True):
        scores[month].extend([int(score)] * int(count))
    function = formulas.net_promoter_score if kind == "nps" else formulas.customer_satisfaction
    return {
        month: {"value": function(scores[month]), "responses": len(scores[month])}
        for month in months
        if month in scores
    }


def product_values(inputs: ProductInputs) -> list[SnapshotValue]:
    """Every product snapshot (period "": series in ``detail``)."""
    daily_start, months = span(inputs.end, inputs.first_day)
    end, today = inputs.end, inputs.today
    values = active_user_values(inputs, daily_start)
    users = users_by_month(inputs.user_days)
    churn = churn_points(users, months) if users else {}
    values.append(feature_values(inputs.feature_months, inputs.core_events, months, users, end, today))
    values.append(monthly_value("user_churn", months, churn, end, today))
    conversion = conversion_points(
        inputs.funnel_entries, inputs.funnel_events, inputs.funnel_steps, inputs.funnel_window_days, months, today
    )
    values.append(
        monthly_value(
            "conversion_rate", months, conversion, end, today, steps=list(inputs.funnel_steps),
            window_days=inputs.funnel_window_days, min_cohort=formulas.MIN_CONVERSION_COHORT,
        )
    )  # fmt: skip
    money = order_points(inputs.orders, inputs.spend, inputs.new_customers, months)
    for key in ("repurchase_rate", "cac"):
        values.append(monthly_value(key, months, money[key], end, today))
    values.append(monthly_value("clv", months, money["clv"], end, today, population=CLV_POPULATION))
    values.append(monthly_value("clv_cac", months, money["clv_cac"], end, today, target=CLV_CAC_TARGET))
    for kind in ("nps", "csat"):
        values.append(monthly_value(kind, months, survey_points(inputs.surveys, kind, months), end, today))
    return values


def empty_frame(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
