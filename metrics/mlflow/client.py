"""The one door to MLflow: every call goes through `MlflowGateway`.

It wraps `mlflow.tracking.MlflowClient` (mlflow-skinny) and adds what the portal relies on: per-connection
credentials and HTTP policy (see `config`), explicit `max_results` + `page_token` loops, snapshots
instead of MLflow entities, and our own errors instead of MLflow's.

Sync strategy (runs have no last-update time in MLflow, and search filters have no OR):
`runs_finished_since(ids, watermark - overlap)` returns runs whose end time is at or after that point,
oldest end first; `runs_unfinished(ids)` returns RUNNING and SCHEDULED runs with one query each;
`runs_deleted(ids)` lists deleted runs so earlier copies can be marked. Callers upsert by run id and
advance the watermark to the largest end time seen only after every page was stored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlparse

from mlflow.entities import Experiment, Run, ViewType
from mlflow.entities.model_registry import ModelVersion, RegisteredModel
from mlflow.exceptions import MlflowException
from mlflow.store.entities.paged_list import PagedList
from mlflow.tracking import MlflowClient
from requests import RequestException

from metrics.mlflow.config import ENV_GATE, Credentials, HttpPolicy
from metrics.mlflow.errors import MlflowError, MlflowNotFound, MlflowRequestRejected, translate_error
from metrics.mlflow.types import (
    UNFINISHED_STATUSES,
    ExperimentSnapshot,
    MetricPoint,
    ModelVersionSnapshot,
    RegisteredModelSnapshot,
    RunSnapshot,
    RunView,
)

T = TypeVar("T")

# Page sizes: MLflow's own defaults, below its per-request caps (runs 50,000; models 1,000).
RUN_PAGE_SIZE = 1000
EXPERIMENT_PAGE_SIZE = 1000
MODEL_PAGE_SIZE = 100
VERSION_PAGE_SIZE = 1000
METRIC_HISTORY_PAGE_SIZE = 10_000
DEFAULT_OVERLAP_MS = 5 * 60 * 1000
RUN_IDS_PER_SEARCH = 100
_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # MLflow's own run id rule, and safe inside a filter literal

# MLflow wraps network failures in MlflowException, but a few paths let requests' errors through.
_TRANSLATED = (MlflowException, RequestException, ConnectionError, TimeoutError)
_VIEW_TYPES = {RunView.ACTIVE: ViewType.ACTIVE_ONLY, RunView.DELETED: ViewType.DELETED_ONLY, RunView.ALL: ViewType.ALL}


def validate_tracking_uri(uri: str) -> str:
    """Return the URI without a trailing slash, or raise `MlflowRequestRejected` if it is not http(s)."""
    parsed = urlparse(uri.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise MlflowRequestRejected(f"MLflow tracking URI must be an http(s) URL of a tracking server, not {uri!r}")
    return uri.strip().rstrip("/")


class MlflowGateway:
    """One MLflow tracking server, reached with one set of credentials and one HTTP policy."""

    def __init__(
        self,
        tracking_uri: str,
        *,
        credentials: Credentials | None = None,
        policy: HttpPolicy | None = None,
        page_size: int = RUN_PAGE_SIZE,
    ) -> None:
        self.uri = validate_tracking_uri(tracking_uri)
        self.credentials = credentials or Credentials()
        self.policy = policy or HttpPolicy()
        if page_size < 1:
            raise ValueError("page_size must be positive")
        self.page_size = page_size
        self._env = {**self.credentials.env(), **self.policy.env()}
        self._client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)

    @classmethod
    def from_environment(cls, *, policy: HttpPolicy | None = None) -> MlflowGateway:
        """The default connection: `MLFLOW_TRACKING_URI` and MLflow's credential variables."""
        uri = os.environ.get("MLFLOW_TRACKING_URI", "")
        if not uri:
            raise MlflowRequestRejected("MLFLOW_TRACKING_URI is not set")
        return cls(uri, credentials=Credentials.from_env(), policy=policy)

    def __repr__(self) -> str:
        return f"MlflowGateway({self.uri!r}, {self.policy!r})"

    # -- plumbing ---------------------------------------------------------------------------------

    def _call(self, operation: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with ENV_GATE.applied(self._env):
            try:
                return fn(*args, **kwargs)
            except _TRANSLATED as exc:  # anything else is a bug on our side and propagates as is
                raise translate_error(exc, uri=self.uri, operation=operation, budget=self.policy.describe()) from exc

    def _pages(self, operation: str, fetch: Callable[[str | None], PagedList[T]]) -> Iterator[list[T]]:
        """Follow `page_token` until MLflow returns none; a token seen twice means a server paging bug."""
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = self._call(operation, fetch, token)
            yield list(page)
            token = page.token or None
            if token is None:
                return
            if token in seen:
                raise MlflowError(f"MLflow at {self.uri} ({operation}): page token repeated; stopping", uri=self.uri)
            seen.add(token)

    def ping(self) -> None:
        """One cheap authenticated request; raises our error if the server is unusable."""
        self._call("ping", self._client.search_experiments, max_results=1)

    # -- experiments ------------------------------------------------------------------------------

    def iter_experiments(
        self, *, view: RunView = RunView.ACTIVE, filter_string: str | None = None, page_size: int | None = None
    ) -> Iterator[ExperimentSnapshot]:
        size = page_size or EXPERIMENT_PAGE_SIZE

        def fetch(token: str | None) -> PagedList[Experiment]:
            return self._client.search_experiments(
                view_type=_VIEW_TYPES[view], max_results=size, filter_string=filter_string, page_token=token
            )

        for page in self._pages("search experiments", fetch):
            yield from (_experiment(e) for e in page)

    def get_experiment(self, experiment_id: str) -> ExperimentSnapshot:
        return _experiment(self._call(f"get experiment {experiment_id}", self._client.get_experiment, experiment_id))

    def get_experiment_by_name(self, name: str) -> ExperimentSnapshot:
        found = self._call(f"get experiment {name!r}", self._client.get_experiment_by_name, name)
        if found is None:
            raise MlflowNotFound(f"MLflow at {self.uri}: no experiment named {name!r}", uri=self.uri)
        return _experiment(found)

    # -- runs -------------------------------------------------------------------------------------

    def iter_run_pages(
        self,
        experiment_ids: Sequence[str],
        *,
        filter_string: str = "",
        order_by: Sequence[str] = (),
        view: RunView = RunView.ACTIVE,
        page_size: int | None = None,
    ) -> Iterator[list[RunSnapshot]]:
        """Runs of the experiments, one list per MLflow page (`page_size` runs at most)."""
        if not experiment_ids:
            return
        ids, size, order = [str(i) for i in experiment_ids], page_size or self.page_size, list(order_by) or None

        def fetch(token: str | None) -> PagedList[Run]:
            return self._client.search_runs(
                ids, filter_string, run_view_type=_VIEW_TYPES[view], max_results=size, order_by=order, page_token=token
            )

        for page in self._pages("search runs", fetch):
            yield [_run(r) for r in page]

    def iter_runs(
        self,
        experiment_ids: Sequence[str],
        *,
        filter_string: str = "",
        order_by: Sequence[str] = (),
        view: RunView = RunView.ACTIVE,
        page_size: int | None = None,
    ) -> Iterator[RunSnapshot]:
        for page in self.iter_run_pages(
            experiment_ids, filter_string=filter_string, order_by=order_by, view=view, page_size=page_size
        ):
            yield from page

    def runs_finished_since(
        self,
        experiment_ids: Sequence[str],
        end_time_ms: int | None,
        *,
        overlap_ms: int = DEFAULT_OVERLAP_MS,
        page_size: int | None = None,
    ) -> Iterator[RunSnapshot]:
        """Ended runs (any lifecycle stage) with end time >= watermark - overlap, oldest end first.

        `end_time_ms=None` (first sync) returns every ended run. The overlap absorbs clock skew between
        MLflow clients that set end times and runs that end while a sync is paging.
        """
        since = 0 if end_time_ms is None else max(0, end_time_ms - overlap_ms)
        yield from self.iter_runs(
            experiment_ids,
            filter_string=f"attributes.end_time >= {int(since)}",
            order_by=("attributes.end_time ASC",),
            view=RunView.ALL,
            page_size=page_size,
        )

    def runs_unfinished(self, experiment_ids: Sequence[str], *, page_size: int | None = None) -> Iterator[RunSnapshot]:
        """RUNNING and SCHEDULED runs (one query per status: MLflow filters have no OR)."""
        seen: set[str] = set()
        for status in UNFINISHED_STATUSES:
            for run in self.iter_runs(
                experiment_ids, filter_string=f"attributes.status = '{status}'", view=RunView.ALL, page_size=page_size
            ):
                if run.run_id not in seen:
                    seen.add(run.run_id)
                    yield run

    runs_running = runs_unfinished

    def runs_deleted(self, experiment_ids: Sequence[str], *, page_size: int | None = None) -> Iterator[RunSnapshot]:
        """Deleted runs: deleting does not change the end time, so the watermark query alone misses it."""
        yield from self.iter_runs(experiment_ids, view=RunView.DELETED, page_size=page_size)

    def runs_by_id(
        self, experiment_ids: Sequence[str], run_ids: Iterable[str], *, view: RunView = RunView.ALL
    ) -> Iterator[RunSnapshot]:
        """Known runs fetched with `run_id IN (...)` searches (deleted ones too by default), for re-checking
        evidence in a few requests instead of one `get_run` each. Missing ids are simply not returned."""
        wanted = sorted(set(run_ids))
        if bad := [run_id for run_id in wanted if not _RUN_ID.fullmatch(run_id)]:
            raise MlflowRequestRejected(f"Not MLflow run ids: {', '.join(map(repr, bad[:5]))}", uri=self.uri)
        for start in range(0, len(wanted), RUN_IDS_PER_SEARCH):
            chunk = ", ".join(f"'{run_id}'" for run_id in wanted[start : start + RUN_IDS_PER_SEARCH])
            yield from self.iter_runs(experiment_ids, filter_string=f"attributes.run_id IN ({chunk})", view=view)

    def get_run(self, run_id: str) -> RunSnapshot:
        return _run(self._call(f"get run {run_id}", self._client.get_run, run_id))

    def metric_history(self, run_id: str, key: str, *, page_size: int = METRIC_HISTORY_PAGE_SIZE) -> list[MetricPoint]:
        """Every logged point of one metric, paged with an explicit `max_results`, ordered by step.

        MLflow 3.17 answers an empty history (not an error) for an unknown run id or metric key.
        """
        # MlflowClient.get_metric_history pages with a fixed size of 25,000; the REST store's paged call
        # lets us choose it (the contract test checks paging against the pinned server version).
        store = self._client._tracking_client.store

        def fetch(token: str | None) -> PagedList[Any]:
            return store.get_metric_history(run_id, key, max_results=page_size, page_token=token)

        points = [
            MetricPoint(step=int(m.step), value=float(m.value), timestamp=int(m.timestamp))
            for page in self._pages(f"metric history {key!r} of run {run_id}", fetch)
            for m in page
        ]
        return sorted(points, key=lambda p: (p.step, p.timestamp))

    # -- model registry ---------------------------------------------------------------------------

    def iter_registered_models(
        self, *, filter_string: str | None = None, page_size: int | None = None
    ) -> Iterator[RegisteredModelSnapshot]:
        size = page_size or MODEL_PAGE_SIZE

        def fetch(token: str | None) -> PagedList[RegisteredModel]:
            return self._client.search_registered_models(
                filter_string=filter_string, max_results=size, page_token=token
            )

        for page in self._pages("search registered models", fetch):
            yield from (_registered_model(m) for m in page)

    def get_registered_model(self, name: str) -> RegisteredModelSnapshot:
        return _registered_model(self._call(f"get model {name!r}", self._client.get_registered_model, name))

    def iter_model_versions(self, name: str, *, page_size: int | None = None) -> Iterator[ModelVersionSnapshot]:
        """Versions of one registered model, with their aliases (search results carry none in MLflow 3)."""
        aliases = _aliases_by_version(self.get_registered_model(name).aliases)
        size, filter_string = page_size or VERSION_PAGE_SIZE, f"name = {quote_filter_value(name)}"

        def fetch(token: str | None) -> PagedList[ModelVersion]:
            return self._client.search_model_versions(
                filter_string, max_results=size, order_by=["version_number ASC"], page_token=token
            )

        for page in self._pages(f"search versions of {name!r}", fetch):
            yield from (_model_version(v, aliases.get(str(v.version), ())) for v in page)

    def get_model_version(self, name: str, version: str) -> ModelVersionSnapshot:
        found = self._call(f"get version {version} of {name!r}", self._client.get_model_version, name, str(version))
        return _model_version(found, ())  # a single version does carry its aliases


# -- translation to snapshots -----------------------------------------------------------------------


def _ms(value: Any) -> int | None:
    return int(value) if value else None


def _experiment(e: Experiment) -> ExperimentSnapshot:
    return ExperimentSnapshot(
        experiment_id=str(e.experiment_id),
        name=e.name,
        lifecycle_stage=e.lifecycle_stage,
        artifact_location=e.artifact_location or "",
        tags=dict(e.tags),
        creation_time=_ms(e.creation_time),
        last_update_time=_ms(e.last_update_time),
    )


def _run(run: Run) -> RunSnapshot:
    info, data = run.info, run.data
    return RunSnapshot(
        run_id=info.run_id,
        experiment_id=str(info.experiment_id),
        run_name=info.run_name or "",
        status=info.status,
        start_time=_ms(info.start_time),
        end_time=_ms(info.end_time),
        lifecycle_stage=info.lifecycle_stage,
        artifact_uri=info.artifact_uri or "",
        user_id=info.user_id or "",
        params=dict(data.params),
        tags=dict(data.tags),
        metrics={k: float(v) for k, v in data.metrics.items()},
    )


def _registered_model(m: RegisteredModel) -> RegisteredModelSnapshot:
    return RegisteredModelSnapshot(
        name=m.name,
        description=m.description or "",
        tags=dict(m.tags),
        aliases={str(a): str(v) for a, v in m.aliases.items()},
        creation_timestamp=_ms(m.creation_timestamp),
        last_updated_timestamp=_ms(m.last_updated_timestamp),
    )


def _model_version(v: ModelVersion, aliases: Iterable[str]) -> ModelVersionSnapshot:
    """`aliases` (from the registered model) is used when MLflow sent none with the version itself."""
    return ModelVersionSnapshot(
        name=v.name,
        version=str(v.version),
        status=str(v.status),
        source=v.source or "",
        run_id=v.run_id or None,
        aliases=tuple(sorted(v.aliases or aliases)),
        tags=dict(v.tags),
        description=v.description or "",
        creation_timestamp=_ms(v.creation_timestamp),
        last_updated_timestamp=_ms(v.last_updated_timestamp),
    )


def _aliases_by_version(aliases: dict[str, str] | Any) -> dict[str, tuple[str, ...]]:
    by_version: dict[str, list[str]] = {}
    for alias, version in aliases.items():
        by_version.setdefault(str(version), []).append(alias)
    return {version: tuple(sorted(names)) for version, names in by_version.items()}


def quote_filter_value(value: str) -> str:
    """A string literal for an MLflow filter; MLflow's parser has no escapes, so pick the free quote."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    raise MlflowRequestRejected(f"MLflow filters cannot express a name with both quote characters: {value!r}")
