"""Team-level scrum figures of the snapshot computer (``metrics.scrum.computers``): velocity, its trend and
consistency, the delivery forecast, open defects and escape rate.

All of them read closed sprints only (their frozen summaries, in order of first close), so each is of complete
periods; ``velocity``'s detail names the last closed sprint it covers (``through_sprint``), which is the period its
headline states.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from metrics.formulas import forecast as forecast_formulas
from metrics.formulas import scrum as formulas
from metrics.formulas.bands import FORECAST_MIN_SPRINTS, VELOCITY_WINDOW
from metrics.scrum.models import Sprint
from metrics.snapshots.detail import iso_or_none
from metrics.snapshots.registry import SnapshotValue

__all__ = ["DEFAULT_SPRINT_DAYS", "FORECAST_SEED", "team_values"]

#: Fixed seed: recomputing the same history gives the same forecast (a redelivered task writes the same rows).
FORECAST_SEED = 20_260_101
DEFAULT_SPRINT_DAYS = 14


def _sprint_length_days(closed: Sequence[Sprint]) -> int:
    """The team's cadence: median days between the planned starts of its recent closed sprints (a Mon-Fri
    two-week sprint is 14 days of calendar, not 12); a single sprint's own length, else two weeks."""
    recent = sorted(sprint.planned_start for sprint in closed[-(VELOCITY_WINDOW + 1) :])
    gaps = [(later - earlier).days for earlier, later in zip(recent, recent[1:], strict=False) if later > earlier]
    if gaps:
        return int(statistics.median(gaps))
    if closed:
        return (closed[-1].planned_end - closed[-1].planned_start).days + 1
    return DEFAULT_SPRINT_DAYS


def _forecast(
    closed: Sequence[Sprint], completed: list[float], remaining: float, today: datetime.date
) -> SnapshotValue:
    if len(completed) < FORECAST_MIN_SPRINTS:
        reason = f"Needs at least {FORECAST_MIN_SPRINTS} closed sprints; the team has {len(completed)}."
        return SnapshotValue("delivery_forecast", None, detail={"reason": reason, "remaining_points": remaining})
    result = forecast_formulas.delivery_forecast(
        completed, remaining, today, _sprint_length_days(closed), seed=FORECAST_SEED
    )
    if result is None:
        reason = "No closed sprint delivered any points: there is no pace to forecast from."
        return SnapshotValue("delivery_forecast", None, detail={"reason": reason, "remaining_points": remaining})
    detail = {key: (iso_or_none(v) if isinstance(v, datetime.date) else v) for key, v in asdict(result).items()}
    detail["from_date"] = today.isoformat()
    detail["sprint_length_days"] = _sprint_length_days(closed)
    if result.p85_sprints is None:
        detail["reason"] = "At 85 % confidence the backlog is not done within the forecast horizon."
    p85 = None if result.p85_sprints is None else float(result.p85_sprints)
    return SnapshotValue("delivery_forecast", p85, detail=detail)


def team_values(
    sprints: Sequence[Sprint], defects: list[formulas.Defect], remaining: float, open_defects: int, today: datetime.date
) -> list[SnapshotValue]:
    # Same order as adapters.scrum.completed_per_sprint: first close, then id; a reopened sprint keeps its figure.
    frozen = sorted(
        ((s.completed_at, s.pk, s, s.summary) for s in sprints if s.completed_at is not None and s.summary),
        key=lambda entry: (entry[0], entry[1]),
    )
    closed = [entry[2] for entry in frozen]
    summaries: list[dict[str, Any]] = [entry[3] for entry in frozen]
    completed = [float(summary["completed"]) for summary in summaries]
    rolling = formulas.rolling_velocity(completed)
    series = [
        {
            "sprint": sprint.pk,
            "name": sprint.name,
            "commitment": summary.get("commitment"),
            "completed": completed[index],
            "rolling": rolling[index],
            "say_do": summary.get("say_do"),
            "consistency": formulas.velocity_consistency(completed[: index + 1]),
        }
        for index, (sprint, summary) in enumerate(zip(closed, summaries, strict=True))
    ]
    last = closed[-1] if closed else None
    window = {
        "window": VELOCITY_WINDOW,
        "sprints": len(completed),
        "through_sprint": last.pk if last else None,
        "through_sprint_name": last.name if last else None,
    }
    return [
        SnapshotValue(
            "velocity", formulas.velocity(completed), detail={**window, "completed": completed[-VELOCITY_WINDOW:]}
        ),
        SnapshotValue("rolling_velocity", rolling[-1] if rolling else None, detail={**window, "series": series}),
        SnapshotValue("velocity_consistency", formulas.velocity_consistency(completed), detail=window),
        _forecast(closed, completed, remaining, today),
        SnapshotValue("open_defects", float(open_defects), detail={"remaining_points": remaining}),
        SnapshotValue(
            "escape_rate",
            formulas.escape_rate(defects),
            detail={"escaped": formulas.escaped_defects(defects), "defects": len(defects)},
        ),
    ]
