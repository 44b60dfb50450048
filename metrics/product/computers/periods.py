"""Periods of the product snapshots: the spans the series cover and which of their periods are complete.

A period is *complete* when it ended before today (the clock's day, in the portal's time zone): today's events are
still arriving, so today, this week and this month are *partial*. Series show partial periods, flagged; headlines
use complete periods only and say which (``headline_day`` / ``headline_month`` in the snapshot's detail).
"""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd

from metrics.formulas.calendar import add_months, month_end, month_start
from metrics.snapshots.registry import SnapshotValue

DAILY_DAYS = 180  # daily trend: about six months, enough for weekly and monthly seasonality
MONTHS = 12  # monthly metrics: one year
ACTIVE_WINDOWS = {"dau": 1, "wau": 7, "mau": 30}
MONTHLY_HEADLINE_RULE = "latest complete month with a value"

Point = dict[str, Any]


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


def last_complete_day(end: datetime.date, today: datetime.date) -> datetime.date:
    """The headline day of the daily metrics: the span's last day if it is over, else yesterday."""
    return min(end, today - datetime.timedelta(days=1))


def month_complete(month: datetime.date, today: datetime.date) -> bool:
    return month_end(month) < today


def month_key(values: pd.Series) -> pd.Series:
    """Each value's month, as the date of its first day."""
    return pd.to_datetime(values).dt.to_period("M").dt.start_time.dt.date


def monthly_value(
    metric: str,
    months: list[datetime.date],
    points: dict[datetime.date, Point],
    end: datetime.date,
    today: datetime.date,
    **extra: Any,
) -> SnapshotValue:
    """One snapshot holding a monthly series; headline = the latest complete month with a value.

    A point is partial while its month is in progress, or when it says so itself (a conversion cohort whose
    window is still open). A point with ``too_few`` (a cohort below the minimum size) can be the headline: it is
    shown as "too few users" rather than skipped for an older month.
    """
    series = []
    for month in months:
        point = {"month": month.isoformat(), "value": None, **points.get(month, {})}
        point["partial"] = not month_complete(month, today) or bool(point.get("window_open"))
        series.append(point)
    candidates = [p for p in series if not p["partial"] and (p["value"] is not None or p.get("too_few"))]
    headline = candidates[-1] if candidates else None
    detail = {
        "monthly": series,
        "headline_month": headline["month"] if headline else None,
        "headline_too_few": bool(headline and headline.get("too_few")),
        "headline_rule": MONTHLY_HEADLINE_RULE,
        **extra,
    }
    return SnapshotValue(
        metric,
        headline["value"] if headline else None,
        period_start=months[0] if months else None,
        period_end=end,
        detail=detail,
    )
