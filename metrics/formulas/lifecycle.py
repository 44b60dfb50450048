"""Lifecycle timing: days spent in each phase, and gate decision rates."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from lifecycle.choices import GateDecision, Phase


def phase_durations(
    transitions: Sequence[tuple[str, str, datetime.datetime]], created: datetime.datetime, now: datetime.datetime
) -> tuple[dict[str, float], str]:
    """Days spent in each phase from the phase transitions (state-only changes ignored); the current phase runs
    to ``now``. Returns ({phase: days}, current phase)."""
    entered: list[tuple[str, datetime.datetime]] = []
    for from_phase, to_phase, at in transitions:
        if not entered or to_phase != entered[-1][0]:
            if not entered and from_phase and from_phase != to_phase:
                entered.append((from_phase, created))
            entered.append((to_phase, at))
    if not entered:
        return {}, ""
    durations: dict[str, float] = defaultdict(float)
    for (phase, start), (_, end) in zip(entered, [*entered[1:], ("", now)], strict=True):
        durations[phase] += max((end - start).total_seconds(), 0.0) / 86400
    return dict(durations), entered[-1][0]


def gate_throughput(decisions: dict[str, int], durations: dict[str, list[float]]) -> dict[str, Any]:
    """Gate decision counts and rates (share of decided reviews) and the median days spent in each phase."""
    total = sum(decisions.values())
    return {
        "decided": total,
        "counts": {decision: decisions.get(decision, 0) for decision in GateDecision.values},
        "rates": {
            decision: (decisions.get(decision, 0) / total if total else None) for decision in GateDecision.values
        },
        "median_days": {
            phase: (float(np.median(durations[phase])) if durations.get(phase) else None) for phase in Phase.values
        },
    }
