"""Lifecycle timing: days spent in each phase, and gate decision rates."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lifecycle.choices import GateDecision, Phase, ProjectState

#: States in which the clock of the current phase stands still (the phase ended at that gate decision).
STOPPED_STATES = frozenset({ProjectState.CLOSED, ProjectState.CANCELLED, ProjectState.ON_HOLD})
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class PhaseTime:
    """Time spent in one phase. ``ended_by``: "" while the phase is in progress; "gate" when a gate decision moved
    the project to the next phase; else the state that stopped the clock: "closed", "cancelled" or "on_hold"."""

    phase: str
    days: float
    current: bool  # the project is in this phase (in progress or stopped in it)
    ended_by: str

    @property
    def in_progress(self) -> bool:
        return not self.ended_by


#: One ``PhaseTransition`` row: (from phase, to phase, to state, at).
Transition = tuple[str, str, str, datetime.datetime]


def _days(start: datetime.datetime, end: datetime.datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / SECONDS_PER_DAY


def phase_durations(
    transitions: Sequence[Transition], created: datetime.datetime, now: datetime.datetime
) -> dict[str, PhaseTime]:
    """Days spent in each phase, from the project's phase transitions in time order.

    A phase's clock starts when the project enters it and stops at its gate decision: the move to the next phase,
    or the closure, cancellation or hold of the project (a resume from hold starts the clock again, in the same
    phase). Only the phase the project is in while active runs to ``now``: it is in progress. A phase entered
    twice adds up. Returns {phase: PhaseTime} in the order the phases were first entered ({} without transitions).
    """
    totals: dict[str, float] = {}
    ended: dict[str, str] = {}
    current, running_since = "", None
    for from_phase, to_phase, to_state, at in transitions:
        if not current and from_phase and from_phase != to_phase:  # history starting mid-way: from creation
            current, running_since = from_phase, created
            totals[current] = 0.0
        if current and running_since is not None:
            totals[current] += _days(running_since, at)
        if to_phase != current:
            if current and not ended.get(current):
                ended[current] = "gate"
            current = to_phase
            totals.setdefault(current, 0.0)
        stopped = to_state in STOPPED_STATES
        running_since = None if stopped else at
        ended[current] = str(to_state) if stopped else ""
    if current and running_since is not None:
        totals[current] += _days(running_since, now)
    return {
        phase: PhaseTime(phase=phase, days=days, current=phase == current, ended_by=ended.get(phase, ""))
        for phase, days in totals.items()
    }


def _median(values: Sequence[float]) -> float | None:
    return float(np.median(values)) if values else None


def gate_throughput(
    decisions: dict[str, int],
    completed_days: dict[str, list[float]],
    in_progress_days: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    """Gate decision counts and rates (share of decided reviews); per phase, the median days over completed phases
    only (ended at their gate decision: moved on, closed, cancelled or put on hold), and the phases still in
    progress apart: how many, their median and oldest age in days."""
    total = sum(decisions.values())
    open_days = in_progress_days or {}
    return {
        "decided": total,
        "counts": {decision: decisions.get(decision, 0) for decision in GateDecision.values},
        "rates": {
            decision: (decisions.get(decision, 0) / total if total else None) for decision in GateDecision.values
        },
        "median_days": {phase: _median(completed_days.get(phase, [])) for phase in Phase.values},
        "completed": {phase: len(completed_days.get(phase, [])) for phase in Phase.values},
        "in_progress": {
            phase: {
                "projects": len(open_days.get(phase, [])),
                "median_age_days": _median(open_days.get(phase, [])),
                "oldest_days": max(open_days.get(phase, []), default=None),
            }
            for phase in Phase.values
        },
    }


def phase_days_split(
    timelines: Iterable[dict[str, PhaseTime]],
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The days of many projects' phases split into (completed, in progress), per phase: the inputs of
    ``gate_throughput``."""
    completed: dict[str, list[float]] = {}
    in_progress: dict[str, list[float]] = {}
    for timeline in timelines:
        for phase, time in timeline.items():
            (in_progress if time.in_progress else completed).setdefault(phase, []).append(time.days)
    return completed, in_progress
