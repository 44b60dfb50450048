"""Shared input checks and safe arithmetic for the formula modules."""

from __future__ import annotations

import math
from decimal import Decimal

Number = float | int | Decimal


def as_float(value: Number, name: str, *, allow_negative: bool = False) -> float:
    """Convert ``value`` to float, refusing NaN/inf and (unless allowed) negatives."""
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, not a boolean")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if not allow_negative and result < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")
    return result


def as_fraction(value: Number, name: str) -> float:
    """A share between 0 and 1 inclusive (percent complete, probability, margin)."""
    result = as_float(value, name)
    if result > 1:
        raise ValueError(f"{name} must be a fraction between 0 and 1, got {value!r}")
    return result


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero (the ratio is undefined).

    A quotient too large for a float (a denominator of 1e-320) is as meaningless as a zero one: None too.
    """
    if denominator == 0:
        return None
    result = numerator / denominator
    return result if math.isfinite(result) else None


def optional_float(value: Number | None, name: str, *, allow_negative: bool = False) -> float | None:
    return None if value is None else as_float(value, name, allow_negative=allow_negative)
