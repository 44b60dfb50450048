"""Monte-Carlo delivery forecast from past sprint throughput."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from metrics.formulas.bands import FORECAST_MIN_SPRINTS, FORECAST_TRIALS
from metrics.formulas.numbers import Number, as_float

#: A trial that has not finished after this many sprints (10 years of two-week sprints) counts as "never".
MAX_FORECAST_SPRINTS = 260


@dataclass(frozen=True)
class DeliveryForecast:
    remaining_points: float
    sprints_sampled: int
    trials: int
    p50_sprints: int | None  # None: more than MAX_FORECAST_SPRINTS at that confidence
    p85_sprints: int | None
    p95_sprints: int | None
    p50_date: date | None
    p85_date: date | None
    p95_date: date | None


def _sprints_needed(rng: np.random.Generator, history: np.ndarray, remaining: float, trials: int) -> np.ndarray:
    """Per trial, the number of sampled sprints whose cumulative throughput first reaches ``remaining``."""
    needed = np.full(trials, np.inf)
    if remaining == 0:
        return np.zeros(trials)
    totals = np.zeros(trials)
    for sprint in range(1, MAX_FORECAST_SPRINTS + 1):
        open_trials = np.isinf(needed)
        if not open_trials.any():
            break
        totals[open_trials] += rng.choice(history, size=int(open_trials.sum()), replace=True)
        needed[open_trials & (totals >= remaining)] = sprint
    return needed


def delivery_forecast(
    throughput_per_sprint: Sequence[Number],
    remaining_points: Number,
    from_date: date,
    sprint_length_days: int = 14,
    *,
    trials: int = FORECAST_TRIALS,
    seed: int | None = None,
    min_sprints: int = FORECAST_MIN_SPRINTS,
    window: int | None = None,
) -> DeliveryForecast | None:
    """P50 / P85 / P95 completion dates for the remaining backlog, by Monte Carlo over past throughput.

    Inputs: completed points of past closed sprints (oldest first; the last ``window`` are used, all by
    default), points remaining, the date the next sprint starts counting from, sprint length in calendar days.
    Each of ``trials`` (10,000) trials draws past sprints' throughput with replacement until the remaining points
    are reached; the percentile of the sprint counts (the smallest count reached by that share of trials) gives
    the date ``from_date + sprints x sprint length``. Pass ``seed`` for a reproducible result.
    None with fewer than ``min_sprints`` (10) sprints of history, or when no sprint delivered anything and work
    remains (no basis for a forecast).
    """
    values = [as_float(value, "throughput") for value in throughput_per_sprint]
    if window is not None:
        values = values[-window:]
    remaining = as_float(remaining_points, "remaining points")
    if sprint_length_days < 1 or trials < 1:
        raise ValueError("sprint length and trials must be at least 1")
    if len(values) < min_sprints or (remaining > 0 and max(values, default=0.0) == 0):
        return None
    rng = np.random.default_rng(seed)
    needed = _sprints_needed(rng, np.asarray(values), remaining, trials)
    percentiles = np.percentile(needed, [50, 85, 95], method="inverted_cdf")
    counts = [None if np.isinf(value) else int(value) for value in percentiles]
    dates = [None if count is None else from_date + timedelta(days=count * sprint_length_days) for count in counts]
    return DeliveryForecast(
        remaining_points=remaining,
        sprints_sampled=len(values),
        trials=trials,
        p50_sprints=counts[0],
        p85_sprints=counts[1],
        p95_sprints=counts[2],
        p50_date=dates[0],
        p85_date=dates[1],
        p95_date=dates[2],
    )
