"""Seed an MLflow tracking server with the real client (`MlflowClient.log_batch`), for tests and demos.

Times are epoch milliseconds and can be given explicitly, so watermark tests control end times exactly.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

from metrics.mirror.models import TrackingServer

# MLflow accepts at most 1000 entities (metrics + params + tags) per log_batch, 100 params and 100 tags.
_BATCH_LIMIT = 1000
_PARAM_TAG_LIMIT = 100


def now_ms() -> int:
    return int(time.time() * 1000)


def granted_server(name: str, uri: str, *portfolios: object, **fields: object) -> TrackingServer:
    """A tracking server row that the given portfolios may use (a server with none serves no portfolio)."""
    server = TrackingServer.objects.create(name=name, uri=uri, **fields)  # type: ignore[misc]
    server.portfolios.set(portfolios)
    return server


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """`set_terminated` prints "View run ... at <url>" to stdout; keep test output readable."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


@dataclass
class Seeder:
    """Creates experiments, runs and registered models whose names all start with `namespace`."""

    client: MlflowClient
    namespace: str

    @classmethod
    def for_server(cls, uri: str, namespace: str) -> Seeder:
        return cls(MlflowClient(tracking_uri=uri, registry_uri=uri), namespace)

    def name(self, short: str) -> str:
        return f"{self.namespace}.{short}"  # registered model names may not hold "/" or ":"

    def experiment(self, short: str, tags: Mapping[str, str] | None = None) -> str:
        return str(self.client.create_experiment(self.name(short), tags=dict(tags or {})))

    def run(
        self,
        experiment_id: str,
        *,
        name: str = "",
        params: Mapping[str, object] | None = None,
        tags: Mapping[str, str] | None = None,
        metrics: Mapping[str, Sequence[float]] | None = None,
        status: str = "FINISHED",
        start_time: int | None = None,
        end_time: int | None = None,
        deleted: bool = False,
    ) -> str:
        """One run; `metrics` maps a key to its values at steps 0, 1, 2...; status RUNNING leaves it open."""
        start = now_ms() if start_time is None else start_time
        run = self.client.create_run(experiment_id, start_time=start, tags=dict(tags or {}), run_name=name or None)
        run_id = run.info.run_id
        points = [
            Metric(key, float(value), start + step, step)
            for key, values in (metrics or {}).items()
            for step, value in enumerate(values)
        ]
        param_list = [Param(key, str(value)) for key, value in (params or {}).items()]
        self.log_batch(run_id, points, param_list)
        if status != "RUNNING":
            with _quiet():
                self.client.set_terminated(run_id, status, end_time=now_ms() if end_time is None else end_time)
        if deleted:
            self.client.delete_run(run_id)
        return run_id

    def log_batch(self, run_id: str, metrics: Sequence[Metric], params: Sequence[Param] = ()) -> None:
        """Log any number of points and params, split into batches MLflow accepts."""
        for offset in range(0, len(params), _PARAM_TAG_LIMIT):
            self.client.log_batch(run_id, params=list(params[offset : offset + _PARAM_TAG_LIMIT]))
        for offset in range(0, len(metrics), _BATCH_LIMIT):
            self.client.log_batch(run_id, metrics=list(metrics[offset : offset + _BATCH_LIMIT]))

    def log_metric_value(self, run_id: str, key: str, value: float, step: int) -> None:
        self.client.log_batch(run_id, metrics=[Metric(key, value, now_ms(), step)])

    def tag_run(self, run_id: str, tags: Mapping[str, str]) -> None:
        self.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])

    def finish(self, run_id: str, *, status: str = "FINISHED", end_time: int | None = None) -> None:
        with _quiet():
            self.client.set_terminated(run_id, status, end_time=now_ms() if end_time is None else end_time)

    def delete_run(self, run_id: str) -> None:
        self.client.delete_run(run_id)

    def model(
        self,
        short: str,
        source_runs: Sequence[str],
        *,
        aliases: Mapping[str, int] | None = None,
        tags: Mapping[str, str] | None = None,
        version_tags: Mapping[int, Mapping[str, str]] | None = None,
    ) -> str:
        """A registered model with one version per source run (versions 1, 2, ...), then its aliases."""
        name = self.name(short)
        self.client.create_registered_model(name, tags=dict(tags or {}))
        for number, run_id in enumerate(source_runs, start=1):
            self.client.create_model_version(
                name,
                source=f"runs:/{run_id}/model",
                run_id=run_id,
                tags=dict((version_tags or {}).get(number, {})),
            )
        for alias, version in (aliases or {}).items():
            self.client.set_registered_model_alias(name, alias, str(version))
        return name

    def move_alias(self, model_name: str, alias: str, version: int) -> None:
        self.client.set_registered_model_alias(model_name, alias, str(version))
