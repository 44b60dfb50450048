"""Snapshot computer of the portfolio area per person: ``resource_utilization`` per ISO week around today
(planned / actual / forecast, over-capacity flag)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from metrics.portfolio_inputs import adapters
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.registry import ScopeResult, SnapshotValue, snapshot_computer
from portfolio.models import Membership

#: The utilization heatmap covers 8 weeks back and 8 weeks ahead of the current week.
UTILIZATION_WEEKS_BACK = 8
UTILIZATION_WEEKS_AHEAD = 8


def utilization_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    return (
        monday - datetime.timedelta(weeks=UTILIZATION_WEEKS_BACK),
        monday + datetime.timedelta(weeks=UTILIZATION_WEEKS_AHEAD),
    )


# People with a portfolio role are the ones whose utilization is computed.
@snapshot_computer(
    ScopeType.PERSON,
    scope_ids=lambda: Membership.objects.order_by("user_id").values_list("user_id", flat=True).distinct(),
)
def person_compute(person_id: int) -> ScopeResult | None:
    return person_result(person_id)


def person_result(person_id: int, today: datetime.date | None = None) -> ScopeResult | None:
    """Utilization of one person per week; the snapshot belongs to the person's first portfolio (the dashboards
    find it by person, not by portfolio). None when the person belongs to no portfolio. 4 queries."""
    portfolio_id = (
        Membership.objects.filter(user_id=person_id)
        .order_by("portfolio_id")
        .values_list("portfolio_id", flat=True)
        .first()
    )  # 1
    if portfolio_id is None:
        return None
    today = today or timezone.localdate()
    first, last = utilization_window(today)
    weeks: list[dict[str, Any]] = []
    utilizations = []
    for cell in adapters.utilization_inputs(first_week=first, last_week=last, as_of=today, person_ids=[person_id]):
        utilization = cell.compute()
        utilizations.append(utilization)
        weeks.append(
            {
                "week": cell.week.isoformat(),
                "capacity": utilization.capacity,
                "allocated": float(cell.allocated),
                "logged": float(cell.logged),
                "planned": utilization.planned,
                "actual": utilization.actual,
                "forecast": utilization.forecast,
                "over": utilization.over_capacity,
            }
        )
    peaks = [
        value
        for utilization_week in utilizations
        for value in (utilization_week.planned, utilization_week.actual, utilization_week.forecast)
        if value is not None
    ]
    return ScopeResult(
        portfolio_id=portfolio_id,
        project_id=None,
        values=[
            SnapshotValue(
                "resource_utilization",
                max(peaks) if peaks else None,
                period_start=first,
                period_end=last,
                detail={"weeks": weeks, "over_weeks": sum(1 for week in weeks if week["over"])},
            )
        ],
    )


__all__ = ["person_compute", "person_result", "utilization_window"]
