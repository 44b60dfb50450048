"""Incremental pull of a linked experiment's runs and of a linked model's versions into the mirror.

Runs have no last-update time in MLflow, so one sync of an experiment link asks four questions through the
gateway: runs ended since the watermark minus an overlap (oldest end first), runs still running or
scheduled, deleted runs, and - by id - stored runs whose state those answers cannot explain (a run we hold
as running that no longer is, a run we hold as deleted that was restored).

Each MLflow page is stored in its own transaction: the runs it changed (one bulk upsert on (server,
run_id)) and the key-metric histories of those runs, fetched before the transaction opens. A page is
therefore stored whole or not at all, and every stored page is correct on its own, because an upsert by
run id carries the run's complete current state. The watermark moves only after every page of every
question was stored: if MLflow fails half-way, the link records the error, keeps its old watermark and
the next attempt asks the same questions again, rewriting the same rows. Unchanged runs (same state as
stored) are not written at all, which keeps a no-change re-sync to a few reads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils import timezone

from metrics.mirror import hooks
from metrics.mirror.choices import SyncStatus
from metrics.mirror.models import ExperimentLink, MlflowRun, RegisteredModelLink, RunMetricPoint, TrackingServer

if TYPE_CHECKING:
    from metrics.mlflow import MetricPoint, MlflowGateway, RunSnapshot

T = TypeVar("T")

# Metric histories are one request per (run, key); a few in parallel hide the round trips. Kept small so a
# sync never floods the tracking server.
HISTORY_WORKERS = 8
POINT_BATCH = 5000
ERROR_LIMIT = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UNFINISHED = frozenset({"RUNNING", "SCHEDULED"})


@dataclass
class SyncReport:
    """What one sync did; `runs_written` counts rows inserted or changed, `runs_seen` what MLflow returned."""

    link_id: int
    pages: int = 0
    runs_seen: int = 0
    runs_written: int = 0
    histories_fetched: int = 0
    points_written: int = 0
    versions_written: int = 0
    watermark_ms: int | None = None
    max_end_ms: int | None = field(default=None, repr=False)

    def summary(self) -> str:
        if self.versions_written:
            return f"{self.versions_written} model version(s) stored"
        return (
            f"{self.runs_seen} run(s) seen, {self.runs_written} written, "
            f"{self.points_written} key-metric point(s) in {self.histories_fetched} histories"
        )


ProgressCallback = Callable[[SyncReport], None]


def gateway_for(server: TrackingServer) -> MlflowGateway:
    """The gateway of a server (one place, so tests and tools can substitute a counting wrapper)."""
    return server.gateway()


# -- experiment links ------------------------------------------------------------------------------------


def experiment_link_sync(
    link_id: int, *, gateway: MlflowGateway | None = None, progress: ProgressCallback | None = None
) -> SyncReport:
    """Pull what changed in the linked experiment since the last sync. MLflow errors are recorded on the
    link and re-raised (the task retries `MlflowUnavailable`); what was stored before stays."""
    link = ExperimentLink.objects.select_related("server").get(pk=link_id)
    started_from = link.watermark_end_time_ms
    report = SyncReport(link_id=link.pk, watermark_ms=started_from)
    progress_start(ExperimentLink, link.pk)
    try:
        gateway = gateway or gateway_for(link.server)  # a missing credential variable is recorded too
        experiment = gateway.get_experiment(link.experiment_id)
        _RunPuller(link, gateway, report, _with_stored_progress(ExperimentLink, link.pk, progress)).pull()
    except Exception as exc:
        record_error(ExperimentLink, link.pk, exc)
        raise
    with transaction.atomic():
        locked = ExperimentLink.objects.select_for_update().get(pk=link.pk)
        reset_meanwhile = started_from is not None and locked.watermark_end_time_ms is None
        if report.max_end_ms is not None and not reset_meanwhile:
            locked.watermark_end_time_ms = max(locked.watermark_end_time_ms or 0, report.max_end_ms)
        locked.name = experiment.name
        locked.last_synced_at = timezone.now()
        locked.last_error = ""
        locked.sync_status = SyncStatus.IDLE
        locked.sync_progress = report.runs_seen
        locked.save(
            update_fields=[
                "watermark_end_time_ms",
                "name",
                "last_synced_at",
                "last_error",
                "sync_status",
                "sync_progress",
            ]
        )
    report.watermark_ms = locked.watermark_end_time_ms
    hooks.experiment_link_synced(link.pk)
    return report


# -- live progress ---------------------------------------------------------------------------------------
# Only the three progress columns are written here, each with a single UPDATE outside the page transactions:
# they say how far the current attempt got and never touch the watermark, so "nothing half-written" holds.

SyncLinkModel = type[ExperimentLink] | type[RegisteredModelLink]


def progress_start(model: SyncLinkModel, pk: int) -> None:
    model.objects.filter(pk=pk).update(sync_status=SyncStatus.RUNNING, sync_started_at=timezone.now(), sync_progress=0)


def _progress_store(model: SyncLinkModel, pk: int, count: int) -> None:
    model.objects.filter(pk=pk).update(sync_progress=count)


def _with_stored_progress(model: SyncLinkModel, pk: int, progress: ProgressCallback | None) -> ProgressCallback:
    def report_progress(report: SyncReport) -> None:
        _progress_store(model, pk, report.runs_seen)
        if progress is not None:
            progress(report)

    return report_progress


class _RunPuller:
    def __init__(
        self, link: ExperimentLink, gateway: MlflowGateway, report: SyncReport, progress: ProgressCallback | None
    ) -> None:
        self.link, self.gateway, self.report, self.progress = link, gateway, report, progress
        self.server = link.server
        self.ids = [link.experiment_id]
        self.keys = frozenset(link.key_metrics or ())
        # A first sync, or a key metric added since: runs we already hold may lack the new histories.
        self.full_pass = link.watermark_end_time_ms is None

    def pull(self) -> None:
        gateway, ids = self.gateway, self.ids
        for page in _read_ahead(
            _pages(gateway.runs_finished_since(ids, self.link.watermark_end_time_ms), gateway.page_size)
        ):
            self._store(page)
            ends = [run.end_time for run in page if run.end_time is not None]
            if ends:
                self.report.max_end_ms = max(self.report.max_end_ms or 0, *ends)
        unfinished = self._store_all(gateway.runs_unfinished(ids))
        deleted = self._store_all(gateway.runs_deleted(ids))
        # Stored runs the answers above do not explain: held as running but no longer listed as such (ended
        # with an end time before the overlap window), or held as deleted but no longer deleted (restored).
        held = MlflowRun.objects.filter(server=self.server, experiment_id=self.link.experiment_id)
        recheck = set(held.filter(status__in=_UNFINISHED).values_list("run_id", flat=True)) - unfinished
        recheck |= set(held.filter(deleted=True).values_list("run_id", flat=True)) - deleted
        if recheck:
            self._store_all(gateway.runs_by_id(ids, recheck))

    def _store_all(self, runs: Iterable[RunSnapshot]) -> set[str]:
        seen: set[str] = set()
        for page in _read_ahead(_pages(runs, self.gateway.page_size)):
            self._store(page)
            seen.update(run.run_id for run in page)
        return seen

    def _store(self, page: list[RunSnapshot]) -> None:
        runs = {run.run_id: run for run in page}  # one row per id even if MLflow repeated one
        stored = {
            row[1]: _normalised(row)
            for row in MlflowRun.objects.filter(server=self.server, run_id__in=list(runs)).values_list(
                "pk", "run_id", "status", "metrics", *_FINGERPRINT_FIELDS
            )
        }
        changed = [
            run for run in runs.values() if run.run_id not in stored or _fingerprint(run) != stored[run.run_id][4:]
        ]
        wanted = [
            (run.run_id, key)
            for run in changed
            for key in sorted(self.keys & run.metrics.keys())
            if _history_may_have_changed(run, key, stored.get(run.run_id))
        ]
        if self.full_pass and self.keys:
            changed_ids = {run.run_id for run in changed}
            wanted += self._missing_histories([run for run in runs.values() if run.run_id not in changed_ids])
        histories = self._fetch_histories(wanted)  # network before the transaction

        now = timezone.now()
        with transaction.atomic():
            # Sorted by run id: concurrent syncs of overlapping runs lock rows in one order (no deadlock).
            rows = [_run_row(self.server, run, now) for run in sorted(changed, key=lambda run: run.run_id)]
            if rows:
                MlflowRun.objects.bulk_create(
                    rows, update_conflicts=True, unique_fields=["server", "run_id"], update_fields=_RUN_FIELDS
                )
            pks = {run_id: row[0] for run_id, row in stored.items()} | {row.run_id: row.pk for row in rows}
            if any(pk is None for pk in pks.values()):  # backends that do not return ids from an upsert
                pks = dict(
                    MlflowRun.objects.filter(server=self.server, run_id__in=list(runs)).values_list("run_id", "pk")
                )
            points = _point_rows(pks, histories)
            if points:
                RunMetricPoint.objects.bulk_create(
                    points,
                    update_conflicts=True,
                    unique_fields=["run", "key", "step", "timestamp"],
                    update_fields=["value"],
                    batch_size=POINT_BATCH,
                )
        self.report.pages += 1
        self.report.runs_seen += len(runs)
        self.report.runs_written += len(rows)
        self.report.histories_fetched += len(histories)
        self.report.points_written += len(points)
        if self.progress:
            self.progress(self.report)

    def _missing_histories(self, unchanged: Sequence[RunSnapshot]) -> list[tuple[str, str]]:
        candidates = {(run.run_id, key) for run in unchanged for key in self.keys & run.metrics.keys()}
        if not candidates:
            return []
        have = set(
            RunMetricPoint.objects.filter(
                run__server=self.server, run__run_id__in={run_id for run_id, _ in candidates}, key__in=self.keys
            )
            .values_list("run__run_id", "key")
            .distinct()
        )
        return sorted(candidates - have)

    def _fetch_histories(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], list[MetricPoint]]:
        if not wanted:
            return {}
        if len(wanted) == 1:
            run_id, key = wanted[0]
            return {wanted[0]: self.gateway.metric_history(run_id, key)}
        with ThreadPoolExecutor(max_workers=min(HISTORY_WORKERS, len(wanted))) as pool:
            results = pool.map(lambda item: self.gateway.metric_history(*item), wanted)
            return dict(zip(wanted, results, strict=True))


_FINGERPRINT_FIELDS = [
    "experiment_id",
    "run_name",
    "status",
    "start_time",
    "end_time",
    "lifecycle_stage",
    "user_id",
    "params",
    "tags",
    "metrics",
    "artifact_uri",
]
# Columns an upsert rewrites: the fingerprint plus what follows from it.
_RUN_FIELDS = [*_FINGERPRINT_FIELDS, "deleted", "synced_at"]


def _fingerprint(run: RunSnapshot) -> tuple[Any, ...]:
    """The stored columns a run would get, in `_FINGERPRINT_FIELDS` order, to skip unchanged runs."""
    return (
        run.experiment_id,
        run.run_name[:500],
        run.status,
        datetime_of_ms(run.start_time),
        datetime_of_ms(run.end_time),
        run.lifecycle_stage,
        run.user_id[:200],
        dict(run.params),
        dict(run.tags),
        _finite(run.metrics),
        run.artifact_uri[:1000],
    )


_METRICS_AT = (3, 4 + _FINGERPRINT_FIELDS.index("metrics"))


def _normalised(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A stored row with its metrics as floats: jsonb gives a huge float back as an integer literal (1e308
    comes back as 1 followed by 308 zeros), which would otherwise never compare equal to MLflow's value."""
    values = list(row)
    for index in _METRICS_AT:
        values[index] = {k: None if v is None else float(v) for k, v in values[index].items()}
    return tuple(values)


def _history_may_have_changed(run: RunSnapshot, key: str, stored: tuple[Any, ...] | None) -> bool:
    """New run, a new latest value, or a run that was still running at the last sync."""
    if stored is None:
        return True
    _, _, stored_status, stored_metrics = stored[:4]
    return stored_status in _UNFINISHED or stored_metrics.get(key) != _finite_value(run.metrics[key])


def _run_row(server: TrackingServer, run: RunSnapshot, now: datetime) -> MlflowRun:
    return MlflowRun(
        server=server,
        experiment_id=run.experiment_id,
        run_id=run.run_id,
        run_name=run.run_name[:500],
        status=run.status,
        start_time=datetime_of_ms(run.start_time),
        end_time=datetime_of_ms(run.end_time),
        lifecycle_stage=run.lifecycle_stage,
        deleted=run.deleted,
        user_id=run.user_id[:200],
        params=dict(run.params),
        tags=dict(run.tags),
        metrics=_finite(run.metrics),
        artifact_uri=run.artifact_uri[:1000],
        synced_at=now,
    )


def _point_rows(pks: dict[str, int], histories: dict[tuple[str, str], list[MetricPoint]]) -> list[RunMetricPoint]:
    rows: dict[tuple[int, str, int, int], RunMetricPoint] = {}
    for (run_id, key), points in histories.items():
        for point in points:  # MLflow may hold two values at one (step, timestamp): the last one wins
            rows[(pks[run_id], key, point.step, point.timestamp)] = RunMetricPoint(
                run_id=pks[run_id],
                key=key,
                step=point.step,
                timestamp=point.timestamp,
                value=_finite_value(point.value),
            )
    return [rows[key] for key in sorted(rows)]


def _pages(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Group an iterator into lists of `size`: with the gateway's page size, one list per MLflow page, and
    the next page is requested only after this one was stored."""
    iterator = iter(items)
    while page := list(islice(iterator, size)):
        yield page


def _read_ahead(pages: Iterator[list[T]]) -> Iterator[list[T]]:
    """Fetch the next page in a background thread while the caller stores this one, so database writes
    overlap MLflow round trips. Only reading runs ahead: a page is still stored only after the previous
    one, and an error fetching page n+1 surfaces after page n was stored."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlflow-read-ahead") as pool:
        upcoming = pool.submit(next, pages, None)
        while (page := upcoming.result()) is not None:
            upcoming = pool.submit(next, pages, None)
            yield page


def datetime_of_ms(ms: int | None) -> datetime | None:
    if ms is None:
        return None
    return _EPOCH + timedelta(milliseconds=ms)


def _finite_value(value: float) -> float | None:
    """JSON has no NaN or infinity (PostgreSQL's jsonb refuses them): such latest values are stored as null."""
    return value if math.isfinite(value) else None


def _finite(metrics: Any) -> dict[str, float | None]:
    return {key: _finite_value(value) for key, value in metrics.items()}


def record_error(model: type[ExperimentLink] | type[RegisteredModelLink], pk: int, exc: BaseException) -> None:
    """The error, kept until the next success; the attempt is over, so the link is idle again (a retry
    scheduled by the task marks it running when it starts)."""
    message = getattr(exc, "message", "") or f"{type(exc).__name__}: {exc}"
    model.objects.filter(pk=pk).update(
        last_error=str(message)[:ERROR_LIMIT], last_error_at=timezone.now(), sync_status=SyncStatus.IDLE
    )
