"""Run comparison figures (metrics.evidence.comparison) and "what changed" (snapshot_changes): pure functions."""

from __future__ import annotations

from metrics.evidence.comparison import ComparedRun, comparison, history_chart, parallel_chart
from metrics.evidence.services.reviews import snapshot_changes


def compared(*snapshots):
    return [ComparedRun(index, index, snapshot) for index, snapshot in enumerate(snapshots, start=1)]


A = {"run_name": "a", "metrics": {"auc": 0.9, "loss": 0.3}, "params": {"depth": "5", "model": "rf", "seed": "7"}}
B = {"run_name": "b", "metrics": {"auc": 0.8}, "params": {"depth": "8", "model": "lr", "seed": "7"}}


def test_rows_cover_every_key_and_flag_those_that_differ():
    result = comparison(compared(A, B))
    assert [(row.key, row.values, row.differs) for row in result.metrics] == [
        ("auc", (0.9, 0.8), True),
        ("loss", (0.3, None), True),
    ]
    assert [(row.key, row.differs) for row in result.params] == [("depth", True), ("model", True), ("seed", False)]


def test_parallel_coordinates_put_numbers_on_numeric_axes_and_categories_on_ticks():
    chart = parallel_chart(comparison(compared(A, B)), "auc")
    [trace] = chart.figure.data
    dimensions = {d.label: d for d in trace.dimensions}
    assert list(dimensions) == ["depth", "model", "seed", "auc"]  # differing params first
    assert list(dimensions["depth"].values) == [5.0, 8.0]
    assert (list(dimensions["model"].values), list(dimensions["model"].ticktext)) == ([1, 0], ["lr", "rf"])
    assert chart.table.rows == [("a", "5", "rf", "7", 0.9), ("b", "8", "lr", "7", 0.8)]
    assert parallel_chart(comparison(compared(A, B)), "missing").is_empty


def test_history_chart_draws_synced_histories_and_names_the_runs_without():
    runs = compared(A, B)
    chart = history_chart(runs, "auc", {1: [(0, 0.5), (1, 0.9)], 2: []})
    assert [trace.name for trace in chart.figure.data] == ["a"]
    assert chart.note == "No history of auc is synced for: b."
    assert history_chart(runs, "auc", {1: [], 2: []}).is_empty


def test_changes_list_metrics_params_status_and_skip_mlflow_system_tags():
    frozen = {**A, "status": "FINISHED", "deleted": False, "tags": {"team": "x", "mlflow.user": "u"}}
    live = {
        **frozen,
        "metrics": {"auc": 0.7, "loss": 0.3, "f1": 0.5},
        "params": {"depth": "5", "model": "rf"},
        "tags": {"team": "x", "mlflow.user": "v"},
        "status": "KILLED",
    }
    assert [(c.what, c.before, c.after) for c in snapshot_changes(9, frozen, live)] == [
        ("status changed", "FINISHED", "KILLED"),
        ("metric auc changed", 0.9, 0.7),
        ("metric f1 added", None, 0.5),
        ("param seed removed", "7", None),
    ]


def test_model_version_changes_name_aliases_and_deletion():
    frozen = {"model_name": "m", "version": 2, "aliases": ["champion"], "status": "READY", "deleted": False}
    live = {**frozen, "aliases": ["shadow"], "deleted": True}
    assert [c.what for c in snapshot_changes(1, frozen, live)] == [
        "version deleted in MLflow",
        "alias champion moved or removed",
        "alias shadow added",
    ]
