"""How the portal writes numbers, amounts, dates and people, in one place: pages, charts, tables and CSV exports
all call these helpers (templates through ``portal.templatetags.stagegate_format``), so a format is chosen once.

- Amounts carry the installation currency, ``settings.STAGEGATE_CURRENCY`` (an ISO 4217 code, validated at settings
  load by ``currency_code``): "1.2M EUR" on pages, "cost (EUR)" in axis titles and CSV headers.
- Dates are ISO 8601 (``2025-03-14``; with a time, ``2025-03-14 09:30``): unambiguous in every locale and the same
  text as the CSV exports, the API and the chart axes.
- People are named by their full name, falling back to the username.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import dateformat, timezone

#: The currency used when ``STAGEGATE_CURRENCY`` is not set.
DEFAULT_CURRENCY = "EUR"
_ISO_4217 = re.compile(r"[A-Z]{3}")

#: Django ``date`` filter formats of every page; Python and Plotly equivalents for charts.
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
MONTH_FORMAT = "Y-m"
PY_DATE_FORMAT = "%Y-%m-%d"
PLOTLY_DATE_FORMAT = "%Y-%m-%d"

#: Units of table columns and axes. ``MONEY`` stands for the installation currency (resolved when written out);
#: ``PERCENT`` columns hold fractions (0.25) and are written as percentages (25).
COUNT = "count"
MONEY = "money"
PERCENT = "%"
DAYS = "days"
HOURS = "h"
POINTS = "points"
RATIO = "ratio"
SCORE = "score"

#: Decimal places of each unit in CSV exports (enough for the unit, never float noise such as 5445498.374000001).
DECIMALS = {COUNT: 0, MONEY: 2, PERCENT: 1, DAYS: 1, HOURS: 1, POINTS: 1, RATIO: 3, SCORE: 2}
DEFAULT_DECIMALS = 4


def currency_code(value: str) -> str:
    """The ISO 4217 code read from the environment: three uppercase letters, anything else refused."""
    if not isinstance(value, str) or not _ISO_4217.fullmatch(value):
        raise ImproperlyConfigured(
            f"STAGEGATE_CURRENCY must be an ISO 4217 currency code of three uppercase letters (e.g. EUR, USD), "
            f"not {value!r}."
        )
    return value


def currency() -> str:
    return str(getattr(settings, "STAGEGATE_CURRENCY", DEFAULT_CURRENCY))


def unit_label(unit: str) -> str:
    """The unit as people read it: the currency code for ``MONEY``."""
    return currency() if unit == MONEY else unit


def with_unit(title: str, unit: str) -> str:
    """An axis title or a column header with its unit: "cost (EUR)", "projects (count)"."""
    return f"{title} ({unit_label(unit)})" if unit else title


def compact_number(value: float) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"
    return f"{value:,.0f}"


def money_text(value: float | None) -> str:
    """An amount for people: "1.2M EUR"; "n/a" when there is none."""
    if value is None:
        return "n/a"
    return f"{compact_number(float(value))} {currency()}"


def money_hover(axis: str = "y") -> str:
    """A Plotly hover fragment for an amount on the given axis: "%{y:,.0f} EUR"."""
    return f"%{{{axis}:,.0f}} {currency()}"


def date_text(value: datetime.date | datetime.datetime | str | None, *, with_time: bool = False) -> str:
    """A date (or date and time, in the current time zone) in the one format; "" for none; ISO strings pass."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return dateformat.format(value, DATETIME_FORMAT if with_time else DATE_FORMAT)
    return dateformat.format(value, DATE_FORMAT)


def month_text(value: datetime.date | None) -> str:
    """A month (a period's first day) as the monthly chart axes and CSVs write it: "2025-03"."""
    return "" if value is None else dateformat.format(value, MONTH_FORMAT)


def person_name(user: Any) -> str:
    """Full name, falling back to the username; "" for nobody."""
    if user is None:
        return ""
    return (user.get_full_name() or "").strip() or user.get_username()


def csv_value(value: Any, unit: str = "") -> Any:
    """A table cell as written to CSV: numbers rounded for their unit (percentages scaled from fractions), dates
    in the one format, ``None`` as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        return date_text(value, with_time=isinstance(value, datetime.datetime))
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return ""
        if unit == PERCENT:
            number *= 100
        decimals = DECIMALS.get(unit, DEFAULT_DECIMALS)
        rounded = round(number, decimals)
        if decimals == 0 or rounded == int(rounded):
            return int(rounded)
        return rounded
    return value
