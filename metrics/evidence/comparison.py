"""Comparison of the runs attached to a gate review: the metric and param table (differences flagged), a chosen
metric over steps, and params against a metric in parallel coordinates.

``runs_metric_history`` is the one query (RunMetricPoint of the chosen key for every run); the rest are pure
functions of the run snapshots and that history, testable without a database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from metrics.charts import Chart, Table
from metrics.mirror.models import RunMetricPoint

# A param whose values all read as numbers is an axis of numbers; any other is an axis of categories.
MAX_PARALLEL_PARAMS = 12


@dataclass(frozen=True)
class ComparedRun:
    """One attached run as compared: its evidence id, its mirror row id (for histories) and its snapshot."""

    evidence_id: int
    run_pk: int | None
    snapshot: Mapping[str, Any]

    @property
    def label(self) -> str:
        return str(self.snapshot.get("run_name") or self.snapshot.get("run_id"))


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    values: tuple[Any, ...]

    @property
    def differs(self) -> bool:
        return len({repr(value) for value in self.values}) > 1


@dataclass(frozen=True)
class Comparison:
    runs: tuple[ComparedRun, ...]
    metrics: tuple[ComparisonRow, ...]
    params: tuple[ComparisonRow, ...]

    @property
    def metric_keys(self) -> list[str]:
        return [row.key for row in self.metrics]


def _rows(runs: Sequence[ComparedRun], section: str) -> tuple[ComparisonRow, ...]:
    keys = sorted({key for run in runs for key in (run.snapshot.get(section) or {})})
    return tuple(ComparisonRow(key, tuple((run.snapshot.get(section) or {}).get(key) for run in runs)) for key in keys)


def comparison(runs: Sequence[ComparedRun]) -> Comparison:
    return Comparison(runs=tuple(runs), metrics=_rows(runs, "metrics"), params=_rows(runs, "params"))


History = dict[int, list[tuple[int, float | None]]]


def runs_metric_history(run_pks: Sequence[int], key: str) -> History:
    """run pk -> [(step, value)] of the key metric, in step order (one query)."""
    history: History = {pk: [] for pk in run_pks}
    points = RunMetricPoint.objects.filter(run_id__in=list(run_pks), key=key).order_by("run_id", "step", "timestamp")
    for run_id, step, value in points.values_list("run_id", "step", "value"):
        history[run_id].append((step, value))
    return history


def history_chart(runs: Sequence[ComparedRun], key: str, history: History) -> Chart:
    """`key` over steps, one line per run; says which runs have no synced history of it."""
    figure = go.Figure()
    table = Table(columns=("run", "step", key))
    missing = []
    for run in runs:
        points = history.get(run.run_pk or -1, [])
        if not points:
            missing.append(run.label)
            continue
        figure.add_trace(
            go.Scatter(
                x=[step for step, _ in points], y=[value for _, value in points], mode="lines+markers", name=run.label
            )
        )
        table.rows.extend((run.label, step, value) for step, value in points)
    figure.update_layout(xaxis_title="step", yaxis_title=key)
    note = ""
    if missing and table.rows:
        note = f"No history of {key} is synced for: {', '.join(missing)}."
    return Chart(
        id="history",
        title=f"{key} over steps" if key else "A metric over steps",
        figure=figure if table.rows else None,
        table=table,
        empty_message=(
            f"No history of {key} is synced for the attached runs. Only key metrics of an experiment link have their "
            "history pulled: mark it as a key metric of the link and sync again."
            if key
            else "The attached runs logged no metric."
        ),
        note=note,
    )


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _dimension(label: str, values: list[Any]) -> dict[str, Any] | None:
    numbers = [_number(value) for value in values]
    if all(number is not None for number in numbers):
        return {"label": label, "values": numbers}
    categories = sorted({str(value) for value in values}, key=str)
    if len(categories) < 1:
        return None
    index = {category: position for position, category in enumerate(categories)}
    return {
        "label": label,
        "values": [index[str(value)] for value in values],
        "tickvals": list(range(len(categories))),
        "ticktext": categories,
    }


def parallel_chart(compared: Comparison, key: str) -> Chart:
    """Params of the attached runs (those that differ first) against `key`, one line per run."""
    runs = [run for run in compared.runs if _number((run.snapshot.get("metrics") or {}).get(key)) is not None]
    params = sorted(compared.params, key=lambda row: (not row.differs, row.key))[:MAX_PARALLEL_PARAMS]
    columns = ("run", *(row.key for row in params), key)
    table = Table(columns=columns)
    for run in runs:
        snapshot_params = run.snapshot.get("params") or {}
        table.rows.append((run.label, *(snapshot_params.get(row.key) for row in params), run.snapshot["metrics"][key]))
    if not runs or not key:
        return Chart(
            id="parallel",
            title="Params against a metric",
            figure=None,
            table=table,
            empty_message=f"No attached run has a value of {key}." if key else "The attached runs logged no metric.",
        )
    dimensions = []
    for position, row in enumerate(params, start=1):
        dimension = _dimension(row.key, [line[position] if line[position] is not None else "—" for line in table.rows])
        if dimension is not None:
            dimensions.append(dimension)
    metric_values = [float(line[-1]) for line in table.rows]
    dimensions.append({"label": key, "values": metric_values})
    figure = go.Figure(
        go.Parcoords(
            line={"color": metric_values, "colorscale": "Viridis", "showscale": True},
            dimensions=dimensions,
        )
    )
    return Chart(
        id="parallel",
        title=f"Params against {key}",
        figure=figure,
        table=table,
        height=360,
        note="One line per attached run; categorical params are placed in alphabetical order.",
    )
