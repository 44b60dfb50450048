from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.formulas.calendar import (
    add_working_days,
    days_between,
    is_working_day,
    working_days,
    working_days_between,
)

MONDAY = date(2026, 11, 23)  # a Monday
THANKSGIVING = date(2026, 11, 26)  # the Thursday of that week


def test_weekend_and_holidays_are_not_working_days():
    assert is_working_day(MONDAY)
    assert not is_working_day(MONDAY + timedelta(days=5))  # Saturday
    assert not is_working_day(MONDAY + timedelta(days=6))  # Sunday
    assert not is_working_day(THANKSGIVING, holidays={THANKSGIVING})


def test_two_week_sprint_has_ten_working_days_inclusive():
    # Mon 23 Nov .. Fri 4 Dec: 14 calendar days - 2 weekends x 2 days = 10
    assert working_days_between(MONDAY, date(2026, 12, 4)) == 10


def test_holidays_reduce_the_count():
    # 10 - Thanksgiving - Friday after = 8
    holidays = {THANKSGIVING, THANKSGIVING + timedelta(days=1)}
    assert working_days_between(MONDAY, date(2026, 12, 4), holidays) == 8


def test_single_day_range_counts_the_day_itself():
    assert working_days_between(MONDAY, MONDAY) == 1
    assert working_days_between(MONDAY + timedelta(days=5), MONDAY + timedelta(days=5)) == 0


def test_working_days_lists_dates_in_order():
    assert working_days(date(2026, 11, 27), date(2026, 11, 30)) == [date(2026, 11, 27), date(2026, 11, 30)]


def test_custom_weekend():
    # Friday-Saturday weekend: Sun 22 .. Sat 28 Nov keeps Sun-Thu = 5 days
    assert working_days_between(date(2026, 11, 22), date(2026, 11, 28), weekend={4, 5}) == 5


def test_reversed_range_is_refused():
    with pytest.raises(ValueError):
        working_days_between(MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(ValueError):
        list(days_between(MONDAY, MONDAY - timedelta(days=1)))


def test_add_working_days_skips_weekend_and_holidays():
    assert add_working_days(MONDAY, 0) == MONDAY
    assert add_working_days(MONDAY, 4) == date(2026, 11, 27)
    assert add_working_days(MONDAY, 5) == date(2026, 11, 30)  # over the weekend
    assert add_working_days(MONDAY, 3, holidays={THANKSGIVING}) == date(2026, 11, 27)
    with pytest.raises(ValueError):
        add_working_days(MONDAY, -1)
    with pytest.raises(ValueError):
        add_working_days(MONDAY, 1, weekend=range(7))


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)), st.integers(min_value=0, max_value=60))
def test_working_days_never_exceed_calendar_days_and_add_is_inverse(start, count):
    end = start + timedelta(days=count)
    assert 0 <= working_days_between(start, end) <= count + 1
    target = add_working_days(start, count)
    if count == 0:
        assert target == start
    else:
        # the working days strictly after start up to the target are exactly ``count``, the target one of them
        assert working_days_between(start + timedelta(days=1), target) == count
        assert is_working_day(target)
