"""Resource utilization: allocated and logged hours against capacity, per person and period."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from metrics.formulas.bands import UTILIZATION_LIMIT
from metrics.formulas.calendar import DEFAULT_WEEKEND, working_days_between
from metrics.formulas.numbers import Number, as_float, ratio


def working_hours(
    start: date,
    end: date,
    hours_per_day: Number = 8,
    holidays: Collection[date] = (),
    weekend: Collection[int] = DEFAULT_WEEKEND,
) -> float:
    """Working hours in a period = working days from ``start`` to ``end`` inclusive x hours per working day."""
    return working_days_between(start, end, holidays, weekend) * as_float(hours_per_day, "hours per day")


def capacity_hours(working: Number, leave: Number) -> float:
    """Capacity = working hours - leave hours. Leave above the working hours is refused (ValueError)."""
    working_value = as_float(working, "working hours")
    leave_value = as_float(leave, "leave hours")
    if leave_value > working_value:
        raise ValueError(f"leave ({leave_value:g} h) exceeds working hours ({working_value:g} h)")
    return working_value - leave_value


def planned_utilization(allocated: Number, capacity: Number) -> float | None:
    """Planned utilization = allocated hours / capacity; None when capacity is 0 (on leave all period)."""
    return ratio(as_float(allocated, "allocated hours"), as_float(capacity, "capacity"))


def actual_utilization(logged: Number, capacity: Number) -> float | None:
    """Actual utilization = logged hours / capacity; None when capacity is 0."""
    return ratio(as_float(logged, "logged hours"), as_float(capacity, "capacity"))


def forecast_utilization(logged_to_date: Number, remaining_allocation: Number, capacity: Number) -> float | None:
    """Forecast utilization = (logged to date + remaining allocation) / capacity; None when capacity is 0."""
    expected = as_float(logged_to_date, "logged hours") + as_float(remaining_allocation, "remaining allocation")
    return ratio(expected, as_float(capacity, "capacity"))


def is_over_capacity(utilization: float | None, limit: float = UTILIZATION_LIMIT) -> bool:
    """Flag: utilization strictly above the limit (100 % by default). Undefined utilization is not flagged."""
    return utilization is not None and utilization > limit


@dataclass(frozen=True)
class Utilization:
    capacity: float
    planned: float | None
    actual: float | None
    forecast: float | None
    over_capacity: bool  # any of planned / actual / forecast above the limit


def resource_utilization(
    working: Number,
    leave: Number,
    allocated: Number,
    logged_to_date: Number,
    remaining_allocation: Number,
    limit: float = UTILIZATION_LIMIT,
) -> Utilization:
    """Planned, actual and forecast utilization of one person for one period, with the over-100 % flag.

    Inputs: working hours, leave hours, allocated hours, hours logged to date, allocation still to come.
    """
    capacity = capacity_hours(working, leave)
    planned = planned_utilization(allocated, capacity)
    actual = actual_utilization(logged_to_date, capacity)
    forecast = forecast_utilization(logged_to_date, remaining_allocation, capacity)
    flagged = any(is_over_capacity(value, limit) for value in (planned, actual, forecast))
    return Utilization(capacity=capacity, planned=planned, actual=actual, forecast=forecast, over_capacity=flagged)
