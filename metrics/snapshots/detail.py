"""JSON-ready values for what is stored as JSON (a snapshot's detail, an evidence snapshot): ISO dates, floats."""

from __future__ import annotations

import datetime
from decimal import Decimal


def iso_or_none(value: datetime.date | None) -> str | None:
    """A date or datetime as ISO 8601 text; None stays None."""
    return None if value is None else value.isoformat()


def float_or_none(value: Decimal | float | int | None) -> float | None:
    """A database number (Decimal) as a JSON float; None stays None."""
    return None if value is None else float(value)
