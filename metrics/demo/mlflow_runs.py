"""Real MLflow runs for the demo: small scikit-learn models trained on datasets that ship with
scikit-learn (no downloads), logged with the MLflow client like a data scientist's training script would.

Per demo project: one experiment of training runs (params, final metrics, a per-stage validation history
for the boosted models), registered models with a `champion` alias, and for the deployed churn model a
production monitoring run whose daily accuracy, drift and latency drift out of bounds in the last week.
Idempotent: an experiment that already has runs is left alone. Needs the full `mlflow` package and
scikit-learn (dev dependencies); never used in production.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

PREFIX = "stagegate-demo"
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Experiment:
    project: str
    name: str
    dataset: str  # breast_cancer, wine, diabetes, digits
    task: str  # binary, multiclass, regression
    model_name: str = ""  # registered model fed by the best runs


EXPERIMENTS = (
    Experiment("AML-102", "churn-propensity", "breast_cancer", "binary", "churn-classifier"),
    Experiment("AML-103", "price-response", "wine", "multiclass"),
    Experiment("DI-201", "demand-forecast", "diabetes", "regression", "demand-forecaster"),
    Experiment("DI-202", "sku-recognition", "digits", "multiclass"),
)
MONITORING = {"AML-102": "churn-propensity-production"}
# The production metrics the demo's deployed model is held to (healthy side), used by seed_demo.
MONITORING_THRESHOLDS = (("accuracy", ">=", 0.88), ("drift_psi", "<", 0.2), ("latency_p95_ms", "<", 250.0))


def experiment_name(short: str) -> str:
    return f"{PREFIX}/{short}"


def _candidates(task: str) -> list[tuple[str, dict[str, Any], Callable[[], Any]]]:
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        GradientBoostingRegressor,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if task == "regression":
        return [
            *[
                (
                    f"ridge-a{a:g}",
                    {"model": "ridge", "alpha": a},
                    lambda a=a: make_pipeline(StandardScaler(), Ridge(alpha=a)),
                )
                for a in (0.1, 1.0, 10.0)
            ],
            (
                "rf-200",
                {"model": "random_forest", "n_estimators": 200, "max_depth": 6},
                lambda: RandomForestRegressor(n_estimators=200, max_depth=6, random_state=0),
            ),
            *[
                (
                    f"gbr-lr{lr:g}",
                    {"model": "gradient_boosting", "learning_rate": lr, "n_estimators": 150},
                    lambda lr=lr: GradientBoostingRegressor(learning_rate=lr, n_estimators=150, random_state=0),
                )
                for lr in (0.05, 0.1)
            ],
        ]
    return [
        *[
            (
                f"logreg-c{c:g}",
                {"model": "logistic_regression", "C": c},
                lambda c=c: make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000)),
            )
            for c in (0.1, 1.0, 10.0)
        ],
        *[
            (
                f"rf-d{d}",
                {"model": "random_forest", "n_estimators": 200, "max_depth": d},
                lambda d=d: RandomForestClassifier(n_estimators=200, max_depth=d, random_state=0),
            )
            for d in (4, 8)
        ],
        *[
            (
                f"gbc-lr{lr:g}",
                {"model": "gradient_boosting", "learning_rate": lr, "n_estimators": 60},
                lambda lr=lr: GradientBoostingClassifier(learning_rate=lr, n_estimators=60, random_state=0),
            )
            for lr in (0.05, 0.2)
        ],
    ]


def _scores(task: str, model: Any, x: Any, y: Any) -> dict[str, float]:
    from sklearn import metrics

    predicted = model.predict(x)
    if task == "regression":
        return {
            "val_rmse": float(metrics.mean_squared_error(y, predicted) ** 0.5),
            "val_mae": float(metrics.mean_absolute_error(y, predicted)),
            "val_r2": float(metrics.r2_score(y, predicted)),
        }
    proba = model.predict_proba(x)
    auc = (
        metrics.roc_auc_score(y, proba[:, 1])
        if task == "binary"
        else metrics.roc_auc_score(y, proba, multi_class="ovr")
    )
    return {
        "val_auc": float(auc),
        "val_accuracy": float(metrics.accuracy_score(y, predicted)),
        "val_f1": float(metrics.f1_score(y, predicted, average="binary" if task == "binary" else "macro")),
    }


def _staged_history(task: str, model: Any, x: Any, y: Any) -> list[tuple[int, float]]:
    """Validation score after every 5th boosting stage: the history a step chart draws."""
    from sklearn import metrics

    if not hasattr(model, "staged_predict"):
        return []
    history = []
    if task == "regression":
        for stage, predicted in enumerate(model.staged_predict(x), start=1):
            if stage % 5 == 0:
                history.append((stage, float(metrics.mean_squared_error(y, predicted) ** 0.5)))
        return history
    for stage, proba in enumerate(model.staged_predict_proba(x), start=1):
        if stage % 5 == 0:
            score = (
                metrics.roc_auc_score(y, proba[:, 1])
                if task == "binary"
                else metrics.roc_auc_score(y, proba, multi_class="ovr")
            )
            history.append((stage, float(score)))
    return history


def train_experiment(client: Any, spec: Experiment, rng: random.Random, now_ms: int) -> list[tuple[str, float]]:
    """Train and log the experiment's runs; returns (run id, key score) per finished run."""
    from mlflow.entities import Metric, Param, RunTag
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    loader = getattr(datasets, f"load_{spec.dataset}")
    x, y = loader(return_X_y=True)
    name = experiment_name(spec.name)
    existing = client.get_experiment_by_name(name)
    experiment_id = (
        existing.experiment_id
        if existing
        else client.create_experiment(name, tags={"stagegate.project": spec.project, "dataset": spec.dataset})
    )
    if client.search_runs([experiment_id], max_results=1):
        return []
    results = []
    candidates = _candidates(spec.task)
    for index, (run_name, params, build) in enumerate(candidates):
        split_seed = rng.choice((7, 13, 42))
        x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.25, random_state=split_seed)
        started_ms = now_ms - (len(candidates) - index) * 2 * DAY_MS - rng.randint(0, 6) * 3600 * 1000
        run = client.create_run(
            experiment_id, start_time=started_ms, run_name=run_name, tags={"dataset": spec.dataset, "stage": "training"}
        )
        clock = time.perf_counter()
        model = build().fit(x_train, y_train)
        scores = _scores(spec.task, model, x_val, y_val)
        scores["fit_seconds"] = time.perf_counter() - clock
        logged = dict(params)
        if index != 1:  # one run forgot to log its split seed: the "param recorded" criterion catches it
            logged["split_seed"] = split_seed
        logged["test_size"] = 0.25
        ended_ms = started_ms + rng.randint(5, 40) * 60 * 1000
        key = "val_rmse" if spec.task == "regression" else "val_auc"
        metrics = [Metric(k, v, ended_ms, 0) for k, v in scores.items()]
        metrics += [
            Metric(key, v, started_ms + step * 1000, step)
            for step, v in _staged_history(spec.task, model, x_val, y_val)
        ]
        client.log_batch(
            run.info.run_id,
            metrics=metrics,
            params=[Param(k, str(v)) for k, v in logged.items()],
            tags=[RunTag("model_family", str(params["model"]))],
        )
        with contextlib.redirect_stdout(io.StringIO()):  # the client prints a "View run" line per run
            client.set_terminated(run.info.run_id, "FINISHED", end_time=ended_ms)
        results.append((run.info.run_id, scores[key]))
    # A run that crashed: still evidence that someone tried, never a valid basis for a gate.
    crashed = client.create_run(experiment_id, start_time=now_ms - DAY_MS, run_name="gbc-lr0.5-oom")
    client.log_batch(crashed.info.run_id, params=[Param("model", "gradient_boosting"), Param("learning_rate", "0.5")])
    with contextlib.redirect_stdout(io.StringIO()):
        client.set_terminated(crashed.info.run_id, "FAILED", end_time=now_ms - DAY_MS + 120_000)
    return results


def register_best(client: Any, spec: Experiment, results: list[tuple[str, float]]) -> None:
    """Two versions from the two best runs; `champion` on the better one."""
    if not spec.model_name or not results or client.search_model_versions(f"name='{spec.model_name}'"):
        return
    lower_is_better = spec.task == "regression"
    ranked = sorted(results, key=lambda item: item[1], reverse=not lower_is_better)[:2]
    with contextlib.redirect_stdout(io.StringIO()):
        if not client.search_registered_models(f"name='{spec.model_name}'"):
            client.create_registered_model(spec.model_name, tags={"stagegate.project": spec.project})
        for run_id, _score in reversed(ranked):  # the runner-up becomes version 1, the best version 2
            client.create_model_version(spec.model_name, source=f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias(spec.model_name, "champion", str(len(ranked)))


def log_monitoring(client: Any, short: str, rng: random.Random, now_ms: int, days: int = 60) -> str | None:
    """Daily production metrics of the deployed model; the last week drifts past its thresholds."""
    from mlflow.entities import Metric

    name = experiment_name(short)
    existing = client.get_experiment_by_name(name)
    experiment_id = existing.experiment_id if existing else client.create_experiment(name)
    found = client.search_runs([experiment_id], max_results=1)
    if found:
        return None
    start_ms = now_ms - days * DAY_MS
    run = client.create_run(
        experiment_id, start_time=start_ms, run_name="production-monitoring", tags={"stage": "production"}
    )
    points = []
    for day in range(days):
        late = max(0, day - (days - 8))  # the last week degrades
        at = start_ms + day * DAY_MS
        points += [
            Metric("accuracy", round(0.93 - 0.009 * late + rng.uniform(-0.006, 0.006), 4), at, day),
            Metric("drift_psi", round(0.05 + 0.03 * late + rng.uniform(0, 0.02), 4), at, day),
            Metric("latency_p95_ms", round(120 + rng.uniform(-15, 25) + 4 * late, 1), at, day),
        ]
    for offset in range(0, len(points), 900):
        client.log_batch(run.info.run_id, metrics=points[offset : offset + 900])
    return run.info.run_id


def seed_runs(tracking_uri: str, seed: str) -> dict[str, int]:
    """Train and log everything above on ``tracking_uri``; returns how many runs were logged."""
    from mlflow import MlflowClient

    logging.getLogger("mlflow").setLevel(logging.WARNING)  # no "waiting for model version" lines in the demo
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    now_ms = int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)
    logged = {"runs": 0, "monitoring": 0}
    for spec in EXPERIMENTS:
        rng = random.Random(f"{seed}:mlflow:{spec.name}")
        results = train_experiment(client, spec, rng, now_ms)
        logged["runs"] += len(results)
        register_best(client, spec, results)
    for project, short in MONITORING.items():
        if log_monitoring(client, short, random.Random(f"{seed}:monitoring:{project}"), now_ms):
            logged["monitoring"] += 1
    return logged
