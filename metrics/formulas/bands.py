"""Default thresholds and the banding rules that turn a number into red / yellow / green.

Each threshold set is a small frozen dataclass with the defaults of METRICS.md; a portfolio may store its own
values and pass them in. ``describe()`` gives the text shown in the "how is this computed" panel, so the panel
and the computation can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Rag(StrEnum):
    """Same values as ``lifecycle.choices.RAG`` (kept Django-free here so formulas import nothing from Django)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


#: Severity order for "worst of": a larger number is worse.
RAG_SEVERITY: dict[Rag, int] = {Rag.GREEN: 0, Rag.YELLOW: 1, Rag.RED: 2}


def worst_rag(values: Iterable[Rag | str | None]) -> Rag | None:
    """The worst RAG among the known values (red > yellow > green); None when none is known."""
    known = [Rag(value) for value in values if value is not None]
    if not known:
        return None
    return max(known, key=RAG_SEVERITY.__getitem__)


@dataclass(frozen=True)
class IndexBands:
    """Bands for a performance index where higher is better (SPI, CPI): green >= green_at, red < yellow_at."""

    green_at: float = 0.95
    yellow_at: float = 0.90

    def __post_init__(self) -> None:
        if not 0 <= self.yellow_at <= self.green_at:
            raise ValueError("need 0 <= yellow_at <= green_at")

    def rag(self, index: float | None) -> Rag | None:
        if index is None:
            return None
        if index >= self.green_at:
            return Rag.GREEN
        if index >= self.yellow_at:
            return Rag.YELLOW
        return Rag.RED

    def describe(self) -> str:
        return f"green >= {self.green_at:g}, yellow {self.yellow_at:g} to {self.green_at:g}, red < {self.yellow_at:g}"


@dataclass(frozen=True)
class LoadBands:
    """Bands for a load where lower is better (risk exposure, weighted open issues): red >= red_at."""

    yellow_at: float
    red_at: float

    def __post_init__(self) -> None:
        if not 0 <= self.yellow_at <= self.red_at:
            raise ValueError("need 0 <= yellow_at <= red_at")

    def rag(self, load: float | None) -> Rag | None:
        if load is None:
            return None
        if load >= self.red_at:
            return Rag.RED
        if load >= self.yellow_at:
            return Rag.YELLOW
        return Rag.GREEN

    def describe(self) -> str:
        return f"green < {self.yellow_at:g}, yellow {self.yellow_at:g} to {self.red_at:g}, red >= {self.red_at:g}"


class SayDoBand(StrEnum):
    POOR = "poor"
    FAIR = "fair"
    GOOD = "good"
    EXCELLENT = "excellent"


SAY_DO_RAG: dict[SayDoBand, Rag] = {
    SayDoBand.POOR: Rag.RED,
    SayDoBand.FAIR: Rag.YELLOW,
    SayDoBand.GOOD: Rag.GREEN,
    SayDoBand.EXCELLENT: Rag.GREEN,
}


@dataclass(frozen=True)
class SayDoBands:
    """Estimation accuracy bands 60 / 75 / 90 %: poor < 60 <= fair < 75 <= good < 90 <= excellent."""

    fair_at: float = 0.60
    good_at: float = 0.75
    excellent_at: float = 0.90

    def __post_init__(self) -> None:
        if not 0 <= self.fair_at <= self.good_at <= self.excellent_at <= 1:
            raise ValueError("need 0 <= fair_at <= good_at <= excellent_at <= 1")

    def band(self, say_do: float | None) -> SayDoBand | None:
        if say_do is None:
            return None
        if say_do >= self.excellent_at:
            return SayDoBand.EXCELLENT
        if say_do >= self.good_at:
            return SayDoBand.GOOD
        if say_do >= self.fair_at:
            return SayDoBand.FAIR
        return SayDoBand.POOR

    def describe(self) -> str:
        return (
            f"poor < {self.fair_at:.0%}, fair {self.fair_at:.0%} to {self.good_at:.0%}, "
            f"good {self.good_at:.0%} to {self.excellent_at:.0%}, excellent >= {self.excellent_at:.0%}"
        )


ISSUE_SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class IssueWeights:
    """Weight of one open issue by severity, for the issue-health load."""

    low: float = 1.0
    medium: float = 2.0
    high: float = 4.0
    critical: float = 8.0

    def weight(self, severity: str) -> float:
        if severity not in ISSUE_SEVERITIES:
            raise ValueError(f"unknown issue severity {severity!r}")
        return float(getattr(self, severity))

    def describe(self) -> str:
        return f"low {self.low:g}, medium {self.medium:g}, high {self.high:g}, critical {self.critical:g}"


#: SPI and CPI share one set of bands (METRICS.md: "same bands").
INDEX_BANDS = IndexBands()
#: Exposure = sum of probability (0-1) x impact (1-5 score): one likely (0.8) severe (5) risk is red on its own.
RISK_EXPOSURE_BANDS = LoadBands(yellow_at=2.0, red_at=4.0)
#: Weighted open issues: one critical issue, or two high ones, is red.
ISSUE_LOAD_BANDS = LoadBands(yellow_at=4.0, red_at=8.0)
ISSUE_WEIGHTS = IssueWeights()
SAY_DO_BANDS = SayDoBands()
#: A person is flagged when planned, actual or forecast utilization is above 100 % of capacity.
UTILIZATION_LIMIT = 1.0
#: CLV : CAC below 3 means acquisition costs eat too much of a customer's value.
CLV_CAC_TARGET = 3.0
#: Velocity and consistency look at the last 7 closed sprints.
VELOCITY_WINDOW = 7
#: The delivery forecast needs at least 10 sprints of throughput to sample from.
FORECAST_MIN_SPRINTS = 10
FORECAST_TRIALS = 10_000
