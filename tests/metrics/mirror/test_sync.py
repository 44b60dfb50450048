"""MLflow sync services against a real `mlflow server`: linking, first and incremental sync, idempotence,
deletions, an outage in the middle of a sync, and registered model versions."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from typing import Any

import pytest

from lifecycle.models import AuditRecord
from metrics.mirror.models import (
    ExperimentLink,
    MlflowRun,
    ModelVersionMirror,
    RegisteredModelLink,
    RunMetricPoint,
    TrackingServer,
)
from metrics.mirror.services.links import (
    MlflowItemHidden,
    experiment_link_create,
    experiment_link_delete,
    experiment_link_set_key_metrics,
    model_link_create,
    tracking_server_default,
)
from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync
from metrics.mlflow import HttpPolicy, MlflowGateway, MlflowUnavailable
from metrics.mlflow.local_server import LocalMlflowServer
from portal.exceptions import NotAllowed, ValidationFailed
from tests.metrics.mlflow_seed import Seeder, granted_server, now_ms

MINUTE = 60_000
HOUR = 60 * MINUTE
FAST = HttpPolicy(timeout_s=2, max_retries=0, backoff_factor=0, backoff_jitter=0.0)


class CountingGateway(MlflowGateway):
    """The real gateway, recording each run query and which runs it returned."""

    def __init__(self, uri: str, *, page_size: int = 1000, policy: HttpPolicy = FAST) -> None:
        super().__init__(uri, policy=policy, page_size=page_size)
        self.returned: dict[str, list[str]] = {}
        self.history_calls: list[tuple[str, str]] = []

    def _record(self, name: str, runs: Any) -> Any:
        bucket = self.returned.setdefault(name, [])
        for run in runs:
            bucket.append(run.run_id)
            yield run

    def runs_finished_since(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("finished", super().runs_finished_since(*args, **kwargs))

    def runs_unfinished(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("unfinished", super().runs_unfinished(*args, **kwargs))

    def runs_deleted(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("deleted", super().runs_deleted(*args, **kwargs))

    def runs_by_id(self, *args: Any, **kwargs: Any) -> Any:
        return self._record("by_id", super().runs_by_id(*args, **kwargs))

    def metric_history(self, run_id: str, key: str, **kwargs: Any) -> Any:
        self.history_calls.append((run_id, key))
        return super().metric_history(run_id, key, **kwargs)


@pytest.fixture
def seed(mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Seeder:
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


@pytest.fixture
def server(db, mlflow_server: LocalMlflowServer, portfolio) -> TrackingServer:
    return granted_server("lab", mlflow_server.uri, portfolio, timeout_s=5, max_retries=0)


def _link(project, server, experiment_id: str, key_metrics=("val_loss",)) -> ExperimentLink:
    return ExperimentLink.objects.create(
        project=project, server=server, experiment_id=experiment_id, name="x", key_metrics=list(key_metrics)
    )


def _rows(server: TrackingServer) -> dict[str, tuple[Any, ...]]:
    return {
        r.run_id: (r.status, r.deleted, r.params, r.tags, r.metrics, r.end_time, r.synced_at)
        for r in MlflowRun.objects.filter(server=server)
    }


# -- linking ----------------------------------------------------------------------------------------------


def test_data_scientist_links_an_experiment_by_name_and_it_is_audited(project, people, server, seed) -> None:
    exp = seed.experiment("churn")

    link = experiment_link_create(
        actor=people["ds"], project=project, server=server, experiment_name=seed.name("churn"),
        key_metrics=["val_loss", " val_auc ", "val_loss"],
    )  # fmt: skip

    assert (link.experiment_id, link.name, link.key_metrics) == (exp, seed.name("churn"), ["val_auc", "val_loss"])
    record = AuditRecord.objects.get(action="mlflow.experiment_linked")
    assert (record.project, record.actor, record.target_id) == (project, people["ds"], str(link.pk))
    assert record.after == {
        "server": "lab", "experiment_id": exp, "name": seed.name("churn"), "key_metrics": ["val_auc", "val_loss"]
    }  # fmt: skip


def test_link_by_id_of_a_missing_experiment_is_refused_and_writes_nothing(project, people, server) -> None:
    with pytest.raises(MlflowItemHidden) as caught:
        experiment_link_create(actor=people["pm"], project=project, server=server, experiment_id="987654321")

    assert caught.value.message == "No such experiment on this tracking server."
    assert ExperimentLink.objects.count() == 0
    assert AuditRecord.objects.filter(action__startswith="mlflow.").count() == 0


@pytest.mark.parametrize("who", ["architect", "exec", "outsider"])
def test_only_managers_and_data_scientists_link(project, people, server, seed, who) -> None:
    exp = seed.experiment("x")

    with pytest.raises(NotAllowed):
        experiment_link_create(actor=people[who], project=project, server=server, experiment_id=exp)
    with pytest.raises(NotAllowed):
        model_link_create(actor=people[who], project=project, server=server, model_name="anything")

    assert ExperimentLink.objects.count() == RegisteredModelLink.objects.count() == 0


def test_linking_twice_is_refused(project, people, server, seed) -> None:
    exp = seed.experiment("twice")
    experiment_link_create(actor=people["pm"], project=project, server=server, experiment_id=exp)

    with pytest.raises(ValidationFailed, match="already linked"):
        experiment_link_create(actor=people["ds"], project=project, server=server, experiment_name=seed.name("twice"))

    assert ExperimentLink.objects.count() == 1


def test_unlink_keeps_synced_runs_and_is_audited(project, people, server, seed) -> None:
    exp = seed.experiment("unlink")
    seed.run(exp, metrics={"val_loss": [0.5]})
    link = experiment_link_create(actor=people["pm"], project=project, server=server, experiment_id=exp)
    experiment_link_sync(link.pk)

    with pytest.raises(NotAllowed):
        experiment_link_delete(actor=people["architect"], link=link)
    experiment_link_delete(actor=people["ds"], link=link, reason="wrong experiment")

    assert ExperimentLink.objects.count() == 0
    assert MlflowRun.objects.filter(experiment_id=exp).count() == 1
    assert AuditRecord.objects.get(action="mlflow.experiment_unlinked").reason == "wrong experiment"


def test_default_server_comes_from_settings(db, settings) -> None:
    settings.MLFLOW_TRACKING_URI = "http://mlflow.internal:5000/"

    server = tracking_server_default()

    assert server is not None
    assert (server.name, server.uri, server.is_default) == ("default", "http://mlflow.internal:5000", True)
    assert (server.username_env, server.password_env, server.token_env) == (
        "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN"
    )  # fmt: skip
    assert tracking_server_default() == server
    assert TrackingServer.objects.count() == 1


def test_no_default_server_without_the_setting(db, settings) -> None:
    settings.MLFLOW_TRACKING_URI = ""
    assert tracking_server_default() is None
    assert TrackingServer.objects.count() == 0


def test_credentials_are_read_from_named_environment_variables(db, monkeypatch) -> None:
    server = TrackingServer.objects.create(
        name="secured", uri="http://127.0.0.1:1", username_env="LAB_MLFLOW_USER", password_env="LAB_MLFLOW_PASSWORD"
    )
    monkeypatch.setenv("LAB_MLFLOW_USER", "svc-stagegate")
    monkeypatch.setenv("LAB_MLFLOW_PASSWORD", "s3cret")

    credentials = server.credentials()

    assert (credentials.username, credentials.password, credentials.token) == ("svc-stagegate", "s3cret", None)
    monkeypatch.delenv("LAB_MLFLOW_PASSWORD")
    with pytest.raises(Exception, match="LAB_MLFLOW_PASSWORD is not set"):
        server.credentials()


# -- experiment sync --------------------------------------------------------------------------------------


def test_first_sync_stores_every_run_with_params_tags_metrics_and_key_history(project, server, seed) -> None:
    exp = seed.experiment("first")
    base = now_ms() - 2 * HOUR
    finished = seed.run(
        exp, name="rf", params={"depth": 4, "split_seed": 7}, tags={"team": "risk"},
        metrics={"val_loss": [0.9, 0.5, 0.3], "val_auc": [0.7, 0.8]}, start_time=base, end_time=base + MINUTE,
    )  # fmt: skip
    running = seed.run(exp, name="gbm", metrics={"val_loss": [0.8, 0.6]}, status="RUNNING", start_time=base)
    failed = seed.run(exp, name="bad", status="FAILED", start_time=base, end_time=base + 2 * MINUTE)
    link = _link(project, server, exp)

    report = experiment_link_sync(link.pk)

    rows = {r.run_id: r for r in MlflowRun.objects.filter(server=server)}
    assert set(rows) == {finished, running, failed}
    rf = rows[finished]
    assert (rf.run_name, rf.status, rf.experiment_id, rf.deleted, rf.lifecycle_stage) == (
        "rf", "FINISHED", exp, False, "active"
    )  # fmt: skip
    assert rf.params == {"depth": "4", "split_seed": "7"}
    assert rf.tags["team"] == "risk"
    assert rf.metrics == {"val_loss": 0.3, "val_auc": 0.8}
    assert rf.end_time is not None and int(rf.end_time.timestamp() * 1000) == base + MINUTE
    assert rf.artifact_uri.endswith(f"{finished}/artifacts")
    assert (rows[running].status, rows[running].end_time) == ("RUNNING", None)
    history = list(RunMetricPoint.objects.filter(run=rf).values_list("key", "step", "value"))
    assert history == [("val_loss", 0, 0.9), ("val_loss", 1, 0.5), ("val_loss", 2, 0.3)]  # only the key metric
    assert list(RunMetricPoint.objects.filter(run=rows[running]).values_list("step", "value")) == [(0, 0.8), (1, 0.6)]
    link.refresh_from_db()
    assert link.watermark_end_time_ms == base + 2 * MINUTE
    assert (link.name, link.last_error) == (seed.name("first"), "")
    assert link.last_synced_at is not None and not link.is_stale
    assert (report.runs_seen, report.runs_written, report.points_written) == (3, 3, 5)


def test_incremental_sync_fetches_only_runs_after_the_watermark(project, server, seed, mlflow_server) -> None:
    exp = seed.experiment("incremental")
    base = now_ms() - 10 * HOUR
    old = [
        seed.run(exp, metrics={"val_loss": [0.5, 0.4]}, start_time=base + i * HOUR, end_time=base + i * HOUR + MINUTE)
        for i in range(4)
    ]
    link = _link(project, server, exp)
    experiment_link_sync(link.pk)
    before = _rows(server)
    new = [seed.run(exp, metrics={"val_loss": [0.3]}) for _ in range(2)]
    gateway = CountingGateway(mlflow_server.uri)

    report = experiment_link_sync(link.pk, gateway=gateway)

    # Back come the runs ended within the overlap of the watermark (the last old one) and the new ones.
    assert sorted(gateway.returned["finished"]) == sorted([old[-1], *new])
    assert gateway.returned.get("unfinished", []) == gateway.returned.get("deleted", []) == []
    assert "by_id" not in gateway.returned
    assert sorted(run_id for run_id, _ in gateway.history_calls) == sorted(new)  # unchanged run: no history call
    assert (report.runs_seen, report.runs_written) == (3, 2)
    after = _rows(server)
    assert {run_id: after[run_id] for run_id in old} == {run_id: before[run_id] for run_id in old}  # not rewritten
    assert set(after) == set(old) | set(new)
    link.refresh_from_db()
    assert link.watermark_end_time_ms == max(int(r.end_time.timestamp() * 1000) for r in MlflowRun.objects.all())


def test_a_second_sync_without_changes_writes_nothing_and_duplicates_nothing(project, server, seed) -> None:
    exp = seed.experiment("idempotent")
    for i in range(3):
        seed.run(exp, params={"i": i}, metrics={"val_loss": [0.9, 0.1 * i]})
    seed.run(exp, status="RUNNING", metrics={"val_loss": [0.7]})
    link = _link(project, server, exp)
    experiment_link_sync(link.pk)
    runs, points = _rows(server), list(RunMetricPoint.objects.order_by("pk").values_list("pk", "run_id", "key", "step"))

    report = experiment_link_sync(link.pk)
    experiment_link_sync(link.pk)

    assert _rows(server) == runs  # same rows, same synced_at: nothing rewritten
    assert list(RunMetricPoint.objects.order_by("pk").values_list("pk", "run_id", "key", "step")) == points
    assert (report.runs_written, report.points_written) == (0, 0)


def test_changes_to_known_runs_are_picked_up(project, server, seed, mlflow_server) -> None:
    exp = seed.experiment("changes")
    running = seed.run(exp, metrics={"val_loss": [0.9]}, status="RUNNING")
    link = _link(project, server, exp)
    experiment_link_sync(link.pk)

    seed.log_metric_value(running, "val_loss", 0.4, step=1)
    seed.tag_run(running, {"reviewed": "yes"})
    seed.finish(running, end_time=now_ms() - 3 * HOUR)  # an end time far before the overlap window (client skew)
    experiment_link_sync(link.pk)

    row = MlflowRun.objects.get(run_id=running)
    assert (row.status, row.metrics, row.tags["reviewed"]) == ("FINISHED", {"val_loss": 0.4}, "yes")
    assert list(RunMetricPoint.objects.filter(run=row).values_list("step", "value")) == [(0, 0.9), (1, 0.4)]


def test_a_deleted_run_is_marked_not_dropped_and_a_restored_one_unmarked(project, server, seed) -> None:
    exp = seed.experiment("deleted")
    base = now_ms() - 5 * HOUR
    doomed = seed.run(exp, metrics={"val_loss": [0.2]}, start_time=base, end_time=base + MINUTE)
    kept = seed.run(exp, metrics={"val_loss": [0.3]}, start_time=base, end_time=base + 2 * MINUTE)
    link = _link(project, server, exp)
    experiment_link_sync(link.pk)

    seed.delete_run(doomed)
    experiment_link_sync(link.pk)

    row = MlflowRun.objects.get(run_id=doomed)
    assert (row.deleted, row.lifecycle_stage, row.metrics) == (True, "deleted", {"val_loss": 0.2})
    assert RunMetricPoint.objects.filter(run=row).count() == 1
    assert MlflowRun.objects.get(run_id=kept).deleted is False

    seed.client.restore_run(doomed)
    experiment_link_sync(link.pk)

    assert MlflowRun.objects.get(run_id=doomed).deleted is False


def test_adding_a_key_metric_pulls_its_history_for_runs_already_stored(project, people, server, seed) -> None:
    exp = seed.experiment("keys")
    run = seed.run(exp, metrics={"val_loss": [0.5, 0.4], "val_auc": [0.6, 0.7, 0.8]})
    link = _link(project, server, exp, key_metrics=["val_loss"])
    experiment_link_sync(link.pk)

    experiment_link_set_key_metrics(actor=people["ds"], link=link, key_metrics=["val_loss", "val_auc"])
    experiment_link_sync(link.pk)

    points = Counter(RunMetricPoint.objects.filter(run__run_id=run).values_list("key", flat=True))
    assert points == {"val_loss": 2, "val_auc": 3}


def test_not_finite_latest_values_are_stored_as_null(project, server, seed) -> None:
    exp = seed.experiment("nan")
    run = seed.run(exp, metrics={"val_loss": [float("nan")], "lift": [float("inf")], "ok": [1.5]})
    link = _link(project, server, exp)
    experiment_link_sync(link.pk)

    row = MlflowRun.objects.get(run_id=run)
    # MLflow's own store clamps infinity to the largest float; NaN comes back as NaN.
    assert row.metrics == {"val_loss": None, "lift": pytest.approx(sys.float_info.max), "ok": 1.5}
    assert experiment_link_sync(link.pk).runs_written == 0  # the huge value read back from jsonb compares equal
    # Key-metric points follow the same rule on every database (SQLite cannot store NaN at all).
    assert RunMetricPoint.objects.get(run=row).value is None


# -- MLflow failing in the middle of a sync ---------------------------------------------------------------


class StoppingGateway(CountingGateway):
    """Stops the server when the run after the first `after_runs` of the finished-runs query is asked for.

    The sync reads the next page ahead while it stores the current one, key-metric histories included: the stop
    waits (bounded) until the histories of the last page handed out were fetched, so that page is stored whatever
    the machine's speed, and the next page is the one that meets the stopped server."""

    HISTORIES_WAIT_S = 30

    def __init__(self, server: LocalMlflowServer, *, after_runs: int, page_size: int) -> None:
        super().__init__(server.uri, page_size=page_size)
        self.server, self.after_runs = server, after_runs
        self.histories_fetched: set[str] = set()
        self.fetched = threading.Condition()

    def metric_history(self, run_id: str, key: str, **kwargs: Any) -> Any:
        points = super().metric_history(run_id, key, **kwargs)
        with self.fetched:
            self.histories_fetched.add(run_id)
            self.fetched.notify_all()
        return points

    def runs_finished_since(self, *args: Any, **kwargs: Any) -> Any:
        handed_out: list[str] = []
        for count, run in enumerate(super().runs_finished_since(*args, **kwargs), start=1):
            yield run
            handed_out.append(run.run_id)
            if count == self.after_runs:
                last_page = set(handed_out[-self.page_size :])
                with self.fetched:
                    self.fetched.wait_for(lambda page=last_page: page <= self.histories_fetched, self.HISTORIES_WAIT_S)
                self.server.stop()


def test_mlflow_stopping_mid_sync_records_the_error_keeps_the_watermark_and_recovers(
    project, db, restartable_mlflow_server: LocalMlflowServer
) -> None:
    mlflow = restartable_mlflow_server
    server = TrackingServer.objects.create(name="own", uri=mlflow.uri, timeout_s=2, max_retries=0)
    seed = Seeder.for_server(mlflow.uri, "outage")
    exp = seed.experiment("runs")
    base = now_ms() - 10 * HOUR
    first = [seed.run(exp, metrics={"val_loss": [0.5]}, start_time=base, end_time=base + i * MINUTE) for i in range(2)]
    link = _link(project, server, exp)
    experiment_link_sync(link.pk)
    link.refresh_from_db()
    watermark = link.watermark_end_time_ms
    later = [
        seed.run(exp, metrics={"val_loss": [0.4, 0.3]}, start_time=base, end_time=base + HOUR + i * MINUTE)
        for i in range(5)
    ]

    # Pages of 2: the two old runs (inside the overlap), then two new ones; the server stops before page 3.
    with pytest.raises(MlflowUnavailable):
        experiment_link_sync(link.pk, gateway=StoppingGateway(mlflow, after_runs=4, page_size=2))

    link.refresh_from_db()
    assert link.watermark_end_time_ms == watermark
    assert link.last_error.startswith(f"MLflow at {mlflow.uri}") and "unreachable" in link.last_error
    assert link.last_error_at is not None and link.is_stale
    stored_later = set(MlflowRun.objects.filter(run_id__in=later).values_list("run_id", flat=True))
    assert stored_later == set(later[:2])  # the whole second page; nothing of the third
    for run_id in stored_later:  # and every stored run complete, key history included
        assert list(RunMetricPoint.objects.filter(run__run_id=run_id).values_list("step", "value")) == [
            (0, 0.4),
            (1, 0.3),
        ]
    assert set(MlflowRun.objects.values_list("run_id", flat=True)) == set(first) | stored_later

    mlflow.start()
    experiment_link_sync(link.pk)

    link.refresh_from_db()
    assert set(MlflowRun.objects.values_list("run_id", flat=True)) == set(first) | set(later)
    assert RunMetricPoint.objects.filter(run__run_id__in=later).count() == 10
    assert link.watermark_end_time_ms == base + HOUR + 4 * MINUTE
    assert link.last_error == ""


class HistoryFailingGateway(CountingGateway):
    def __init__(self, server: LocalMlflowServer) -> None:
        super().__init__(server.uri)
        self.server, self.lock = server, threading.Lock()

    def metric_history(self, run_id: str, key: str, **kwargs: Any) -> Any:
        with self.lock:  # histories are fetched from several threads; stop the server once
            self.server.stop()
        return super().metric_history(run_id, key, **kwargs)


def test_a_failure_while_fetching_histories_stores_nothing_of_that_page(
    project, db, restartable_mlflow_server: LocalMlflowServer
) -> None:
    mlflow = restartable_mlflow_server
    server = TrackingServer.objects.create(name="own", uri=mlflow.uri, timeout_s=2, max_retries=0)
    seed = Seeder.for_server(mlflow.uri, "history")
    exp = seed.experiment("runs")
    for _ in range(3):
        seed.run(exp, metrics={"val_loss": [0.5, 0.4]})
    link = _link(project, server, exp)

    with pytest.raises(MlflowUnavailable):
        experiment_link_sync(link.pk, gateway=HistoryFailingGateway(mlflow))

    assert MlflowRun.objects.count() == RunMetricPoint.objects.count() == 0
    link.refresh_from_db()
    assert (link.watermark_end_time_ms, link.last_synced_at) == (None, None)
    assert link.last_error != ""


# -- registered models ------------------------------------------------------------------------------------


def test_model_versions_are_mirrored_with_aliases_tags_and_source_runs(project, people, server, seed) -> None:
    exp = seed.experiment("models")
    runs = [seed.run(exp) for _ in range(3)]
    name = seed.model("churn", runs, aliases={"champion": 2, "challenger": 3}, version_tags={1: {"validated": "no"}})
    link = model_link_create(actor=people["ds"], project=project, server=server, model_name=name)

    registered_model_link_sync(link.pk)

    mirror = {v.version: v for v in ModelVersionMirror.objects.filter(server=server, model_name=name)}
    assert sorted(mirror) == [1, 2, 3]
    assert [mirror[v].aliases for v in (1, 2, 3)] == [[], ["champion"], ["challenger"]]
    assert [mirror[v].source_run_id for v in (1, 2, 3)] == runs
    assert mirror[1].tags == {"validated": "no"}
    assert mirror[1].source == f"runs:/{runs[0]}/model"
    assert {v.status for v in mirror.values()} == {"READY"}
    link.refresh_from_db()
    assert link.last_synced_at is not None and link.last_error == ""

    seed.move_alias(name, "champion", 3)
    seed.client.delete_model_version(name, "1")
    registered_model_link_sync(link.pk)

    mirror = {v.version: v for v in ModelVersionMirror.objects.filter(server=server, model_name=name)}
    assert [(v, mirror[v].aliases, mirror[v].deleted) for v in (1, 2, 3)] == [
        (1, [], True), (2, [], False), (3, ["challenger", "champion"], False)
    ]  # fmt: skip
    assert ModelVersionMirror.objects.count() == 3


def test_a_model_deleted_in_mlflow_marks_its_versions_and_records_the_error(project, people, server, seed) -> None:
    exp = seed.experiment("gone")
    name = seed.model("gone", [seed.run(exp)])
    link = model_link_create(actor=people["pm"], project=project, server=server, model_name=name)
    registered_model_link_sync(link.pk)

    seed.client.delete_registered_model(name)
    with pytest.raises(Exception, match="not found"):
        registered_model_link_sync(link.pk)

    assert list(ModelVersionMirror.objects.values_list("version", "deleted")) == [(1, True)]
    link.refresh_from_db()
    assert "not found" in link.last_error and link.last_error_at is not None


def test_a_missing_credential_variable_is_recorded_on_the_link(project, db, monkeypatch) -> None:
    monkeypatch.delenv("LAB_MLFLOW_TOKEN", raising=False)
    server = TrackingServer.objects.create(name="secured", uri="http://127.0.0.1:1", token_env="LAB_MLFLOW_TOKEN")
    link = _link(project, server, "1")

    with pytest.raises(Exception, match="LAB_MLFLOW_TOKEN is not set"):
        experiment_link_sync(link.pk)

    link.refresh_from_db()
    assert link.last_error == "MLflow server 'secured': environment variable LAB_MLFLOW_TOKEN is not set"
