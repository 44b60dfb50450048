"""Production-metric charts of deployed models: the series, its threshold as a line, breaches marked.

`production_series` reads the mirror (one query per deployed model: its monitoring run, then one for all
points); `production_chart` is a pure function from that data to a `Chart`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from django.utils.text import slugify

from metrics.charts import Chart, Table
from metrics.deployments.models import DeployedModel, ProductionThreshold
from metrics.deployments.services.alerts import monitoring_run
from metrics.deployments.services.deployed_models import is_healthy
from metrics.mirror.models import MlflowRun, RunMetricPoint

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_POINTS = 5000  # per metric: a chart of a year of hourly points stays readable and light


@dataclass(frozen=True)
class SeriesPoint:
    at: datetime
    step: int
    value: float | None


@dataclass
class ModelSeries:
    run: MlflowRun | None
    points: dict[str, list[SeriesPoint]] = field(default_factory=dict)


def production_series(models: list[DeployedModel], keys_by_model: dict[int, list[str]]) -> dict[int, ModelSeries]:
    runs = {model.pk: monitoring_run(model) for model in models}
    wanted = {run.pk: keys_by_model.get(model_id, []) for model_id, run in runs.items() if run is not None}
    points: dict[int, dict[str, list[SeriesPoint]]] = defaultdict(lambda: defaultdict(list))
    all_keys = {key for keys in wanted.values() for key in keys}
    if wanted and all_keys:
        rows = (
            RunMetricPoint.objects.filter(run_id__in=list(wanted), key__in=all_keys)
            .order_by("run_id", "key", "timestamp", "step")
            .values_list("run_id", "key", "timestamp", "step", "value")
        )
        for run_id, key, timestamp, step, value in rows:
            if key in wanted[run_id]:
                points[run_id][key].append(SeriesPoint(_EPOCH + timedelta(milliseconds=timestamp), step, value))
    result = {}
    for model_id, run in runs.items():
        series = ModelSeries(run=run)
        if run is not None:
            series.points = {key: values[-MAX_POINTS:] for key, values in points[run.pk].items()}
        result[model_id] = series
    return result


def production_chart(model: DeployedModel, threshold: ProductionThreshold, points: list[SeriesPoint]) -> Chart:
    chart_id = f"dm{model.pk}-{slugify(threshold.metric_key) or threshold.pk}"
    title = f"{model.name}: {threshold.metric_key} (healthy {threshold.comparator} {threshold.threshold:g})"
    rows: list[Sequence[Any]] = [
        (point.at.isoformat(), point.step, point.value, threshold.threshold, _breach(point, threshold))
        for point in points
    ]
    table = Table(columns=["time", "step", "value", "threshold", "breach"], rows=rows)
    if not points:
        return Chart(
            id=chart_id,
            title=title,
            figure=None,
            table=table,
            empty_message="No production values mirrored yet: link the monitoring experiment and sync it.",
        )
    times = [point.at for point in points]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=times, y=[point.value for point in points], mode="lines+markers", name=threshold.metric_key)
    )
    breaches = [point for point in points if _breach(point, threshold)]
    if breaches:
        figure.add_trace(
            go.Scatter(
                x=[point.at for point in breaches],
                y=[point.value for point in breaches],
                mode="markers",
                name="breach",
                marker={"color": "#dc3545", "size": 11, "symbol": "x"},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[times[0], times[-1]],
            y=[threshold.threshold, threshold.threshold],
            mode="lines",
            name=f"threshold {threshold.comparator} {threshold.threshold:g}",
            line={"color": "#fd7e14", "dash": "dash"},
        )
    )
    figure.update_layout(xaxis_title="time", yaxis_title=threshold.metric_key)
    return Chart(
        id=chart_id,
        title=title,
        figure=figure,
        table=table,
        height=280,
        note=f"{len(breaches)} of {len(points)} points outside the threshold.",
    )


def _breach(point: SeriesPoint, threshold: ProductionThreshold) -> bool:
    return not is_healthy(point.value, threshold.comparator, threshold.threshold)
