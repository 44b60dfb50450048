"""Conversion through the product's configured funnel, and usage of its configured core events (pure, pandas).

Conversion: each monthly cohort holds the users whose first event of the funnel's first step falls in the month;
``formulas.funnel`` follows each of them through the steps, in order, within the product's window. A cohort is
partial until its month is over and its window has closed for its last entrant; below
``formulas.MIN_CONVERSION_COHORT`` users it has no rate ("too few users").

Feature usage: adopters of each core event / users active in the month; depth = core events per adopter.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

import pandas as pd

from metrics.formulas import product as formulas
from metrics.formulas.calendar import month_end, month_start
from metrics.product.computers.periods import Point, month_complete, month_key
from metrics.snapshots.registry import SnapshotValue


def conversion_points(
    entries: pd.DataFrame,
    step_events: pd.DataFrame,
    steps: list[str],
    window_days: int,
    months: list[datetime.date],
    today: datetime.date,
) -> dict[datetime.date, Point]:
    """Per cohort month: users entering the first step, users reaching each step, and the conversion rate.

    ``entries``: columns user, entered_at (each user's first event of the first step); ``step_events``: columns
    user, name, at (events of the later steps at or after the span's first month)."""
    if len(steps) < 2 or entries.empty:
        return {}
    window = datetime.timedelta(days=window_days)
    later: dict[str, list[formulas.ProductEvent]] = defaultdict(list)
    for user, name, at in zip(step_events.get("user", ()), step_events.get("name", ()), step_events.get("at", ()),
                              strict=True):  # fmt: skip
        later[str(user)].append(formulas.ProductEvent(str(user), str(name), pd.Timestamp(at).to_pydatetime()))
    cohorts: dict[datetime.date, list[formulas.ProductEvent]] = defaultdict(list)
    for user, entered_at in zip(entries["user"], entries["entered_at"], strict=True):
        moment = pd.Timestamp(entered_at).to_pydatetime()
        cohort = cohorts[month_start(moment.date())]
        cohort.append(formulas.ProductEvent(str(user), steps[0], moment))
        cohort.extend(later.get(str(user), ()))
    points = {}
    for month in months:
        if month not in cohorts:
            continue
        result = formulas.funnel(cohorts[month], steps, window)
        points[month] = {
            "value": None if result.too_few else result.rate,
            "entered": result.entered,
            "converted": result.converted,
            "reached": list(result.reached),
            "too_few": result.too_few,
            # The last entrant of the month may still convert until its window closes.
            "window_open": month_end(month) + window >= today,
        }
    return points


def _feature_points(
    rows: pd.DataFrame, name: str, users: dict[datetime.date, set[str]], today: datetime.date
) -> list[Point]:
    points = []
    for row in rows[rows["name"] == name].sort_values("month").itertuples(index=False):
        eligible = len(users.get(row.month, set()) or ()) or int(row.adopters)
        points.append(
            {
                "month": row.month.isoformat(),
                "usage": int(row.adopters) / eligible if eligible else None,
                "depth": int(row.events) / int(row.adopters) if row.adopters else None,
                "adopters": int(row.adopters),
                "eligible": eligible,
                "events": int(row.events),
                "partial": not month_complete(row.month, today),
            }
        )
    return points


def feature_values(
    feature_months: pd.DataFrame,
    core_events: list[str],
    months: list[datetime.date],
    users: dict[datetime.date, set[str]],
    end: datetime.date,
    today: datetime.date,
) -> SnapshotValue:
    """Usage of each core event per month: adopters / active users of the month; depth = events / adopter.
    ``feature_months`` holds the core events only (columns name, month, adopters, events)."""
    features: list[Point] = []
    rows = feature_months
    if not rows.empty and core_events:
        rows = rows.assign(month=month_key(rows["month"]))
        rows = rows[rows["month"].isin(months) & rows["name"].isin(core_events)]
        features = [{"name": name, "points": _feature_points(rows, name, users, today)} for name in core_events]
        features = [feature for feature in features if feature["points"]]
    headline = _top_feature_usage(features, today)
    return SnapshotValue(
        "feature_usage",
        headline[1] if headline else None,
        period_start=months[0] if months else None,
        period_end=end,
        detail={
            "features": features,
            "core_events": list(core_events),
            "window": "calendar month",
            "headline_feature": headline[0] if headline else None,
            "headline_month": headline[2] if headline else None,
        },
    )


def _top_feature_usage(features: list[Point], today: datetime.date) -> tuple[str, float, str] | None:
    """The most adopted core event of the latest complete month."""
    candidates: list[tuple[str, Any, str]] = [
        (point["month"], point["usage"], feature["name"])
        for feature in features
        for point in feature["points"]
        if point["usage"] is not None and month_complete(datetime.date.fromisoformat(point["month"]), today)
    ]
    if not candidates:
        return None
    latest = max(c[0] for c in candidates)
    month, usage, name = max((c for c in candidates if c[0] == latest), key=lambda c: (c[1], c[2]))
    return name, usage, month
