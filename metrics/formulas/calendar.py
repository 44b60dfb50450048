"""Working days: the x-axis of burndowns and the capacity of people.

A working day is a weekday (Monday to Friday by default) that is not in the holiday set. Every range here is
inclusive at both ends, because a sprint that runs "from Monday to Friday" has five working days.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, timedelta

#: Saturday and Sunday (``date.weekday()`` numbers); teams with another weekend pass their own.
DEFAULT_WEEKEND: frozenset[int] = frozenset({5, 6})


def is_working_day(day: date, holidays: Collection[date] = (), weekend: Collection[int] = DEFAULT_WEEKEND) -> bool:
    """True when ``day`` is neither a weekend day nor a holiday."""
    return day.weekday() not in weekend and day not in holidays


def days_between(start: date, end: date) -> Iterator[date]:
    """Every calendar day from ``start`` to ``end`` inclusive; ValueError when ``end`` is before ``start``."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def working_days(
    start: date, end: date, holidays: Collection[date] = (), weekend: Collection[int] = DEFAULT_WEEKEND
) -> list[date]:
    """The working days from ``start`` to ``end`` inclusive, in order."""
    return [day for day in days_between(start, end) if is_working_day(day, holidays, weekend)]


def working_days_between(
    start: date, end: date, holidays: Collection[date] = (), weekend: Collection[int] = DEFAULT_WEEKEND
) -> int:
    """Number of working days from ``start`` to ``end`` inclusive (weekdays minus holidays).

    ValueError when ``end`` is before ``start``: a negative duration has no meaning here.
    """
    return len(working_days(start, end, holidays, weekend))


def add_working_days(
    start: date, count: int, holidays: Collection[date] = (), weekend: Collection[int] = DEFAULT_WEEKEND
) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted); ``count`` >= 0."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    if len(set(weekend)) >= 7:
        raise ValueError("a week needs at least one working day")
    day = start
    while count > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays, weekend):
            count -= 1
    return day


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return add_months(day, 1) - timedelta(days=1)
