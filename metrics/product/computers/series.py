"""Pure computations of the product snapshots: aggregated product rows -> trend series (pandas), no database.

``metrics.product.computers.products`` loads ``ProductInputs`` with a fixed number of aggregated queries and
turns them into ``SnapshotValue``s with ``product_values``. Ratios go through ``metrics.formulas.product`` so
the dashboard and the registry's "how is this computed" text agree.

Periods: daily series cover the last ``DAILY_DAYS`` days of the data's span (ending on its latest day, never
after today), weekly and monthly series aggregate them; monthly metrics (churn, conversion, repurchase, CAC,
CLV, NPS, CSAT) cover the last ``MONTHS`` calendar months. A month is *complete* when it ends before the
span's last day; the headline value is the latest complete month with a value (else the month in progress).
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
from metrics.formulas.calendar import add_months, month_end, month_start
from metrics.snapshots.registry import SnapshotValue

DAILY_DAYS = 180  # daily trend: about six months, enough for weekly and monthly seasonality
MONTHS = 12  # monthly metrics: one year
ACTIVE_WINDOWS = {"dau": 1, "wau": 7, "mau": 30}
CONVERSION_WINDOW = datetime.timedelta(days=30)
FUNNEL_FIRST_STEP = "first event"  # a user's first event ever (the unit enters the funnel)
FUNNEL_FINAL_STEP = "order"  # an order by the customer whose external id is the event's user id
MAX_FEATURES = 12  # the most adopted event names, so a noisy event stream keeps the snapshot small

Point = dict[str, Any]


@dataclass
class ProductInputs:
    """Aggregated rows of one product. Frames are small: one row per user-day, per user, per order, ..."""

    end: datetime.date  # last day of the span (latest data, at most today)
    first_day: datetime.date | None  # first day with any product data
    user_days: pd.DataFrame  # columns user, day (datetime64): distinct active user-days
    feature_months: pd.DataFrame  # columns name, month, adopters, events
    first_seen: pd.DataFrame  # columns user, first_at: each user's first event ever (cohorts in range)
    orders: pd.DataFrame  # columns customer, placed_at, day, revenue, gross_profit (floats)
    new_customers: dict[datetime.date, int]  # month start -> customers acquired that month
    spend: list[formulas.MarketingSpend] = field(default_factory=list)
    surveys: pd.DataFrame = field(default_factory=pd.DataFrame)  # columns kind, month, score, n


def span(end: datetime.date, first_day: datetime.date | None) -> tuple[datetime.date, list[datetime.date]]:
    """The daily series' first day and the monthly series' month starts (both clipped to the data)."""
    daily_start = end - datetime.timedelta(days=DAILY_DAYS - 1)
    first_month = add_months(month_start(end), -(MONTHS - 1))
    if first_day is not None and first_day <= end:
        daily_start = max(daily_start, first_day)
        first_month = max(first_month, month_start(first_day))
    months = []
    month = first_month
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return daily_start, months


def load_start(end: datetime.date, first_day: datetime.date | None) -> datetime.date:
    """First day whose events are needed: a rolling MAU window before the series, and the month before the
    first month (its churn)."""
    daily_start, months = span(end, first_day)
    return min(daily_start - datetime.timedelta(days=max(ACTIVE_WINDOWS.values()) - 1), add_months(months[0], -1))


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
    end = inputs.end
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
        }
        last = series.iloc[-1]
        headline = None if pd.isna(last) or inputs.user_days.empty else float(last)
        values.append(SnapshotValue(key, headline, period_start=start, period_end=end, detail=detail))
    return values


# --- monthly metrics ----------------------------------------------------------------------------------------------


def _month_key(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.start_time.dt.date


def monthly_value(
    metric: str, months: list[datetime.date], points: dict[datetime.date, Point], end: datetime.date, **extra: Any
) -> SnapshotValue:
    """One snapshot holding a monthly series; headline = the latest complete month with a value."""
    series = []
    for month in months:
        point = {"month": month.isoformat(), "value": None, **points.get(month, {})}
        point["partial"] = month_end(month) > end
        series.append(point)
    with_value = [p for p in series if p["value"] is not None]
    complete = [p for p in with_value if not p["partial"]]
    chosen = complete or with_value
    headline = chosen[-1] if chosen else None
    detail = {
        "monthly": series,
        "headline_month": headline["month"] if headline else None,
        "headline_rule": "latest complete month with a value",
        **extra,
    }
    return SnapshotValue(
        metric,
        headline["value"] if headline else None,
        period_start=months[0] if months else None,
        period_end=end,
        detail=detail,
    )


def users_by_month(user_days: pd.DataFrame) -> dict[datetime.date, set[str]]:
    if user_days.empty:
        return {}
    months = _month_key(user_days["day"])
    return {month: set(users) for month, users in user_days["user"].groupby(months.to_numpy())}


def churn_points(users: dict[datetime.date, set[str]], months: list[datetime.date]) -> dict[datetime.date, Point]:
    points = {}
    for month in months:
        previous = users.get(add_months(month, -1), set())
        current = users.get(month, set())
        churn = formulas.user_churn(previous, current)
        points[month] = {"value": churn, "churned": len(previous - current), "previous_active": len(previous)}
    return points


def feature_values(inputs: ProductInputs, months: list[datetime.date], users: dict) -> SnapshotValue:
    """Feature usage per event name and month: adopters / active users of the month; depth = events / adopter."""
    rows = inputs.feature_months
    features: list[Point] = []
    if not rows.empty:
        rows = rows.assign(month=_month_key(rows["month"]))
        rows = rows[rows["month"].isin(months)]
        ranking = rows.groupby("name")["adopters"].sum().sort_values(ascending=False, kind="stable")
        for name in list(ranking.index[:MAX_FEATURES]):
            points = []
            for row in rows[rows["name"] == name].sort_values("month").itertuples(index=False):
                eligible = len(users.get(row.month, set()) or ()) or int(row.adopters)
                usage = int(row.adopters) / eligible if eligible else None
                depth = int(row.events) / int(row.adopters) if row.adopters else None
                points.append(
                    {
                        "month": row.month.isoformat(),
                        "usage": usage,
                        "depth": depth,
                        "adopters": int(row.adopters),
                        "eligible": eligible,
                        "events": int(row.events),
                    }
                )
            features.append({"name": str(name), "points": points})
    headline = _top_feature_usage(features, inputs.end)
    return SnapshotValue(
        "feature_usage",
        headline[1] if headline else None,
        period_start=months[0] if months else None,
        period_end=inputs.end,
        detail={
            "features": features,
            "core_events": "every event name (the product has no configured core events)",
            "window": "calendar month",
            "headline_feature": headline[0] if headline else None,
            "headline_month": headline[2] if headline else None,
        },
    )


def _top_feature_usage(features: list[Point], end: datetime.date) -> tuple[str, float, str] | None:
    """The most adopted feature of the latest complete month (else the month in progress)."""
    candidates = [
        (point["month"], point["usage"], feature["name"])
        for feature in features
        for point in feature["points"]
        if point["usage"] is not None
    ]
    if not candidates:
        return None
    complete = [c for c in candidates if month_end(datetime.date.fromisoformat(c[0])) <= end] or candidates
    latest = max(c[0] for c in complete)
    month, usage, name = max((c for c in complete if c[0] == latest), key=lambda c: (c[1], c[2]))
    return name, usage, month


def conversion_points(inputs: ProductInputs, months: list[datetime.date]) -> dict[datetime.date, Point]:
    """Monthly cohorts of users entering the funnel (first event ever); converted = an order by the customer of
    the same id within the conversion window."""
    if inputs.first_seen.empty:
        return {}
    order_times: dict[str, list[datetime.datetime]] = defaultdict(list)
    for customer, placed_at in zip(inputs.orders.get("customer", ()), inputs.orders.get("placed_at", ()), strict=True):
        order_times[customer].append(pd.Timestamp(placed_at).to_pydatetime())
    cohorts: dict[datetime.date, list[formulas.ProductEvent]] = defaultdict(list)
    entered: dict[datetime.date, int] = defaultdict(int)
    for user, first_at in zip(inputs.first_seen["user"], inputs.first_seen["first_at"], strict=True):
        moment = pd.Timestamp(first_at).to_pydatetime()
        month = month_start(moment.date())
        cohorts[month].append(formulas.ProductEvent(user, FUNNEL_FIRST_STEP, moment))
        cohorts[month].extend(formulas.ProductEvent(user, FUNNEL_FINAL_STEP, at) for at in order_times.get(user, ()))
        entered[month] += 1
    points = {}
    for month in months:
        if month in cohorts:
            rate = formulas.conversion_rate(cohorts[month], FUNNEL_FIRST_STEP, FUNNEL_FINAL_STEP, CONVERSION_WINDOW)
            window_open = month_end(month) + CONVERSION_WINDOW > inputs.end  # late entrants may still convert
            points[month] = {"value": rate, "entered": entered[month], "window_open": window_open}
    return points


def _formula_orders(orders: pd.DataFrame) -> list[formulas.Order]:
    return [
        formulas.Order(customer=str(c), day=d, amount=float(r))
        for c, d, r in zip(orders["customer"], orders["day"], orders["revenue"], strict=True)
    ]


def order_points(inputs: ProductInputs, months: list[datetime.date], churn: dict) -> dict[str, dict]:
    """Repurchase, CAC, CLV (historical when churn is zero or unknown) and CLV : CAC per month."""
    orders = inputs.orders
    by_month: dict[datetime.date, list[formulas.Order]] = defaultdict(list)
    for order in _formula_orders(orders):
        by_month[month_start(order.day)].append(order)
    repurchase, cac, clv, ratio = {}, {}, {}, {}
    for month in months:
        last = month_end(month)
        month_orders = by_month.get(month, [])
        if month_orders:
            repurchase[month] = {
                "value": formulas.repurchase_rate(month_orders, month, last),
                "customers": len({o.customer for o in month_orders}),
                "orders": len(month_orders),
            }
        if inputs.spend:
            spent = formulas.spend_in_period(inputs.spend, month, last)
            won = inputs.new_customers.get(month, 0)
            cac[month] = {"value": formulas.customer_acquisition_cost(spent, won), "spend": spent, "new_customers": won}
        clv[month] = _clv_point(orders, month, churn.get(month, {}).get("value"))
        ratio[month] = {
            "value": formulas.clv_to_cac(clv[month]["value"], cac.get(month, {}).get("value")),
            "target": CLV_CAC_TARGET,
        }
    return {"repurchase_rate": repurchase, "cac": cac, "clv": clv, "clv_cac": ratio}


def _clv_point(orders: pd.DataFrame, month: datetime.date, churn: float | None) -> Point:
    if orders.empty:
        return {"value": None}
    days = orders["day"]
    in_month = orders[(days >= month) & (days <= month_end(month))]
    revenue = float(in_month["revenue"].sum())
    paying = int(in_month["customer"].nunique())
    arpu: float | None = None
    margin: float | None = None
    if revenue and paying:
        arpu = revenue / paying
        margin = float(in_month["gross_profit"].sum()) / revenue
        value = formulas.customer_lifetime_value(arpu, min(margin, 1.0), churn)
        if value is not None:
            return {"value": value, "basis": "formula", "arpu": arpu, "gross_margin": margin, "churn": churn}
    # Undefined (zero or unknown churn, or no revenue this month): the historical value, i.e. the gross profit
    # realized so far per customer who has ordered.
    to_date = orders[days <= month_end(month)]
    customers = int(to_date["customer"].nunique())
    historical = float(to_date["gross_profit"].sum()) / customers if customers else None
    return {"value": historical, "basis": "historical", "arpu": arpu, "gross_margin": margin, "churn": churn}


def survey_points(surveys: pd.DataFrame, kind: str, months: list[datetime.date]) -> dict[datetime.date, Point]:
    if surveys.empty:
        return {}
    rows = surveys[surveys["kind"] == kind]
    scores: dict[datetime.date, list[int]] = defaultdict(list)
    for month, score, count in zip(_month_key(rows["month"]), rows["score"], rows["n"], strict=True):
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
    end = inputs.end
    values = active_user_values(inputs, daily_start)
    users = users_by_month(inputs.user_days)
    churn = churn_points(users, months) if users else {}
    values.append(feature_values(inputs, months, users))
    values.append(monthly_value("user_churn", months, churn, end))
    values.append(
        monthly_value(
            "conversion_rate", months, conversion_points(inputs, months), end,
            first_step=FUNNEL_FIRST_STEP, final_step=FUNNEL_FINAL_STEP, window_days=CONVERSION_WINDOW.days,
        )
    )  # fmt: skip
    money = order_points(inputs, months, churn)
    for key in ("repurchase_rate", "cac", "clv"):
        values.append(monthly_value(key, months, money[key], end))
    values.append(monthly_value("clv_cac", months, money["clv_cac"], end, target=CLV_CAC_TARGET))
    for kind in ("nps", "csat"):
        values.append(monthly_value(kind, months, survey_points(inputs.surveys, kind, months), end))
    return values


def empty_frame(columns: Iterable[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
