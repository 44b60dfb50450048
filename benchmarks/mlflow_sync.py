"""MLflow sync at scale: 10,000 runs (5 metrics, 10 params each) on a real `mlflow server`.

Run: `make bench` (or `.venv/bin/python benchmarks/mlflow_sync.py`). Needs PostgreSQL
(BENCH_DATABASE_URL, as the other benchmarks) and the dev dependencies (the full `mlflow` package).
BENCH_MLFLOW_RUNS changes the number of runs (default 10,000).

Prints, from one run:
- the bare loop: `MlflowClient.search_runs` paged with `page_token` over every run, nothing stored;
- the portal's full sync of the same experiment (fetch, normalise, upsert into PostgreSQL), and its
  throughput as a ratio of the bare loop's (goal >= 0.8);
- a re-sync with nothing changed, as a ratio of the full sync's time (goal <= 0.05).

The runs are written straight into the server's backend store with MLflow's own SqlAlchemyStore before
the server starts (10,000 REST round trips would only slow the set-up, not change what is measured).
End times are spread over the past month, as real runs are: the sync's watermark overlap then covers
only the runs of the last minutes.
"""

import os
import random
import tempfile
import time
from pathlib import Path

from _setup import setup_django

RUNS = int(os.environ.get("BENCH_MLFLOW_RUNS", "10000"))
PAGE = 1000
METRICS = ("val_auc", "val_accuracy", "val_f1", "train_loss", "fit_seconds")
PARAMS = tuple(f"param_{i}" for i in range(10))


def seed_store(root: Path, rng: random.Random) -> str:
    """Create the experiment and its runs in the backend store the server will use; returns the id.

    MLflow's own store creates the schema and the experiment; the runs go in with one multi-row insert per
    table through MLflow's own table definitions (the store's one-transaction-per-call API would spend the
    set-up waiting on SQLite's fsync, not measure anything).
    """
    import uuid

    from mlflow.store.tracking.dbmodels import models as tables
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{root / 'mlflow.db'}", str(root / "artifacts"))
    experiment_id = store.create_experiment("bench-10k")
    now_ms = int(time.time() * 1000)
    month_ms = 30 * 24 * 3600 * 1000
    rows: dict[str, list[dict]] = {"runs": [], "tags": [], "params": [], "metrics": []}
    for index in range(RUNS):
        run_id = uuid.uuid4().hex
        end_ms = now_ms - 15 * 60 * 1000 - rng.randint(0, month_ms)
        rows["runs"].append(
            {
                "run_uuid": run_id, "name": f"run-{index:05d}", "source_type": "LOCAL", "source_name": "",
                "entry_point_name": "", "user_id": "bench", "status": "FINISHED",
                "start_time": end_ms - rng.randint(60_000, 3_600_000), "end_time": end_ms, "source_version": "",
                "lifecycle_stage": "active", "artifact_uri": str(root / "artifacts" / run_id),
                "experiment_id": int(experiment_id),
            }
        )  # fmt: skip
        rows["tags"].append({"key": "mlflow.runName", "value": f"run-{index:05d}", "run_uuid": run_id})
        rows["params"] += [{"key": key, "value": str(rng.randint(0, 1000)), "run_uuid": run_id} for key in PARAMS]
        rows["metrics"] += [
            {"key": key, "value": rng.random(), "timestamp": end_ms, "step": 0, "is_nan": False, "run_uuid": run_id}
            for key in METRICS
        ]
    with store.engine.begin() as connection:
        connection.execute(tables.SqlRun.__table__.insert(), rows["runs"])
        connection.execute(tables.SqlTag.__table__.insert(), rows["tags"])
        connection.execute(tables.SqlParam.__table__.insert(), rows["params"])
        connection.execute(tables.SqlMetric.__table__.insert(), rows["metrics"])
        connection.execute(tables.SqlLatestMetric.__table__.insert(), rows["metrics"])
    store.engine.dispose()
    return experiment_id


def bare_loop(uri: str, experiment_id: str) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    count, token = 0, None
    while True:
        page = client.search_runs([experiment_id], max_results=PAGE, page_token=token)
        count += len(page)
        token = page.token
        if not token:
            return count


def _project():
    """The project the experiment is linked to (a bare row: the sync reads only the link)."""
    import datetime

    from lifecycle.models import Project
    from portal.models import User
    from portfolio.models import Portfolio

    owner = User.objects.create_user("pm", password="bench")
    portfolio = Portfolio.objects.create(name="Bench", slug="bench")
    return Project.objects.create(
        code="BEN-1", name="Bench", portfolio=portfolio, owner=owner, sponsor=owner, ideation_date=datetime.date.today()
    )


def main() -> None:
    setup_django()
    from metrics.mirror.models import ExperimentLink, MlflowRun, TrackingServer
    from metrics.mirror.services.sync import experiment_link_sync
    from metrics.mlflow.local_server import LocalMlflowServer

    with tempfile.TemporaryDirectory(prefix="bench-mlflow-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        experiment_id = seed_store(root, random.Random(11))
        print(f"seeded {RUNS:,} runs into the backend store in {time.perf_counter() - started:.1f} s")
        server = LocalMlflowServer(root=root)
        server.start()
        try:
            bare_loop(server.uri, experiment_id)  # warm the server's caches and connection pool once
            started = time.perf_counter()
            fetched = bare_loop(server.uri, experiment_id)
            bare_s = time.perf_counter() - started

            project = _project()
            tracking = TrackingServer.objects.create(name="bench", uri=server.uri)
            link = ExperimentLink.objects.create(
                project=project, server=tracking, experiment_id=experiment_id, name="bench-10k"
            )
            started = time.perf_counter()
            full = experiment_link_sync(link.pk)
            full_s = time.perf_counter() - started
            started = time.perf_counter()
            again = experiment_link_sync(link.pk)
            resync_s = time.perf_counter() - started
        finally:
            server.stop()
    stored = MlflowRun.objects.count()
    print(f"bare paged search_runs loop:  {fetched:,} runs in {bare_s:.2f} s ({fetched / bare_s:,.0f} runs/s)")
    print(f"portal full sync:             {stored:,} runs stored in {full_s:.2f} s ({stored / full_s:,.0f} runs/s)")
    print(f"  ({full.summary()})")
    print(f"no-change re-sync:            {resync_s:.3f} s ({again.summary()})")
    print(f"throughput ratio sync / bare: {bare_s / full_s:.2f}   (goal >= 0.8)")
    print(f"re-sync / full sync time:     {resync_s / full_s:.3f}  (goal <= 0.05)")


if __name__ == "__main__":
    main()
