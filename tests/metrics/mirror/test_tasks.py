"""Celery tasks, beat entry and `sync_mlflow` command of the MLflow sync (eager tasks, real MLflow server)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from metrics.mirror import tasks
from metrics.mirror.models import ExperimentLink, MlflowRun, ModelVersionMirror, RegisteredModelLink, TrackingServer
from metrics.mlflow import MlflowNotFound, MlflowUnavailable
from metrics.mlflow.local_server import LocalMlflowServer
from portal.celery import app
from tests.factories import make_project
from tests.metrics.mlflow_seed import Seeder, granted_server
from tests.redis_process import shared_redis_url


@pytest.fixture
def seed(mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Seeder:
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


@pytest.fixture
def server(db, mlflow_server: LocalMlflowServer, portfolio) -> TrackingServer:
    return granted_server("lab", mlflow_server.uri, portfolio, timeout_s=5, max_retries=0)


@pytest.fixture
def count_attempts(monkeypatch):
    """Count calls of the sync service made by the task (each retry calls it again)."""
    calls: list[int] = []
    real = tasks.experiment_link_sync

    def counted(link_id: int):
        calls.append(link_id)
        return real(link_id)

    monkeypatch.setattr(tasks, "experiment_link_sync", counted)
    return calls


def test_tasks_run_in_process_when_no_broker_is_configured() -> None:
    assert django_settings.REDIS_URL == ""
    assert django_settings.CELERY_TASK_ALWAYS_EAGER is True
    assert app.conf.task_always_eager is True


def test_sync_task_options_follow_the_delivery_rules() -> None:
    task = tasks.experiment_link_sync_task
    assert task.autoretry_for == (MlflowUnavailable,)
    assert (task.retry_backoff, task.retry_jitter, task.max_retries) == (30, True, 5)
    assert (task.acks_late, task.reject_on_worker_lost) == (True, False)
    assert (
        task.soft_time_limit < task.time_limit < django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    )
    assert task.soft_time_limit > TrackingServer().policy().worst_case_seconds()
    assert task.retry_backoff_max < django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]


def test_beat_runs_the_fan_out_every_15_minutes() -> None:
    entry = app.conf.beat_schedule["metrics-sync-all-mlflow-links"]
    assert (entry["task"], entry["schedule"]) == ("metrics.sync_all_links", 15 * 60)
    assert entry["options"]["expires"] < entry["schedule"]
    assert entry["task"] in app.tasks


def test_sync_task_stores_the_runs(project, server, seed, count_attempts) -> None:
    exp = seed.experiment("task")
    run_id = seed.run(exp, metrics={"val_loss": [0.4]})
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id=exp, key_metrics=["val_loss"])

    result = tasks.experiment_link_sync_task.delay(link.pk)

    assert result.get() == "1 run(s) seen, 1 written, 1 key-metric point(s) in 1 histories"
    assert list(MlflowRun.objects.values_list("run_id", flat=True)) == [run_id]
    assert count_attempts == [link.pk]


@pytest.fixture
def retry_in_process(monkeypatch):
    """Eager tasks run Celery's retries in-process only when task errors are not propagated at once (with
    `task_eager_propagates`, the default of the demo and tests, the first `Retry` reaches the caller)."""
    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


@pytest.fixture
def down_server(db) -> TrackingServer:
    never_started = LocalMlflowServer(root=Path("/nonexistent"))  # a free port nobody listens on: connection refused
    return TrackingServer.objects.create(name="down", uri=never_started.uri, timeout_s=1, max_retries=0)


def test_sync_task_retries_while_mlflow_is_unavailable_then_gives_up(
    project, down_server, count_attempts, retry_in_process
) -> None:
    link = ExperimentLink.objects.create(project=project, server=down_server, experiment_id="1")

    result = tasks.experiment_link_sync_task.delay(link.pk)

    assert result.failed()
    assert isinstance(result.result, MlflowUnavailable)
    assert count_attempts == [link.pk] * (tasks.SYNC_MAX_RETRIES + 1)
    link.refresh_from_db()
    assert "unreachable" in link.last_error and link.last_synced_at is None


def test_in_process_the_first_transient_failure_reaches_the_caller(project, down_server, count_attempts) -> None:
    link = ExperimentLink.objects.create(project=project, server=down_server, experiment_id="1")

    with pytest.raises(Retry) as caught:
        tasks.experiment_link_sync_task.delay(link.pk)

    assert isinstance(caught.value.exc, MlflowUnavailable)
    assert count_attempts == [link.pk]
    link.refresh_from_db()
    assert "unreachable" in link.last_error


def test_sync_task_recovers_when_mlflow_comes_back_during_the_retries(
    project, db, restartable_mlflow_server: LocalMlflowServer, monkeypatch, retry_in_process
) -> None:
    mlflow = restartable_mlflow_server
    server = TrackingServer.objects.create(name="own", uri=mlflow.uri, timeout_s=2, max_retries=0)
    exp = Seeder.for_server(mlflow.uri, "retry").experiment("runs")
    Seeder.for_server(mlflow.uri, "retry").run(exp)
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id=exp)
    mlflow.stop()
    attempts: list[int] = []
    real = tasks.experiment_link_sync

    def flaky(link_id: int):
        attempts.append(link_id)
        if len(attempts) == 3:
            mlflow.start()
        return real(link_id)

    monkeypatch.setattr(tasks, "experiment_link_sync", flaky)

    assert tasks.experiment_link_sync_task.delay(link.pk).successful()

    assert len(attempts) == 3  # two failures, then the server is back
    assert MlflowRun.objects.count() == 1
    link.refresh_from_db()
    assert link.last_error == "" and link.last_synced_at is not None


def test_a_link_error_that_retrying_cannot_fix_is_not_retried(project, server, count_attempts) -> None:
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id="424242")

    with pytest.raises(MlflowNotFound):
        tasks.experiment_link_sync_task.delay(link.pk)

    assert count_attempts == [link.pk]
    link.refresh_from_db()
    assert "not found" in link.last_error


def test_a_task_for_a_removed_link_does_nothing(db) -> None:
    assert tasks.experiment_link_sync_task.delay(999).get() == "experiment link 999 no longer exists"
    assert tasks.registered_model_link_sync_task.delay(999).get() == "model link 999 no longer exists"


def test_fan_out_syncs_every_link_and_one_failure_does_not_stop_the_others(
    project, people, server, down_server, seed, django_capture_on_commit_callbacks
) -> None:
    exp = seed.experiment("fan")
    seed.run(exp)
    model = seed.model("fan", [seed.run(exp)], aliases={"champion": 1})
    broken = ExperimentLink.objects.create(project=project, server=server, experiment_id="31337")
    good = ExperimentLink.objects.create(project=project, server=server, experiment_id=exp)
    model_link = RegisteredModelLink.objects.create(project=project, server=server, model_name=model)
    unreachable = ExperimentLink.objects.create(project=project, server=down_server, experiment_id="1")

    with django_capture_on_commit_callbacks(execute=True) as enqueued:  # enqueued once the fan-out commits
        assert tasks.sync_all_links.delay().get() == 4

    assert len(enqueued) == 4

    assert MlflowRun.objects.filter(experiment_id=exp).count() == 2
    assert list(ModelVersionMirror.objects.values_list("model_name", "version", "aliases")) == [
        (model, 1, ["champion"])
    ]
    for link in (broken, good, model_link, unreachable):
        link.refresh_from_db()
    assert "not found" in broken.last_error and broken.last_synced_at is None
    assert "unreachable" in unreachable.last_error
    assert good.last_synced_at is not None and model_link.last_synced_at is not None


# -- management command -----------------------------------------------------------------------------------


def test_command_syncs_one_projects_links_and_reports_them(project, people, portfolio, server, seed) -> None:
    exp, other_exp = seed.experiment("cmd"), seed.experiment("other")
    for _ in range(2):
        seed.run(exp, metrics={"val_loss": [0.5]})
    seed.run(other_exp)
    ExperimentLink.objects.create(
        project=project, server=server, experiment_id=exp, name="cmd", key_metrics=["val_loss"]
    )
    other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    ExperimentLink.objects.create(project=other, server=server, experiment_id=other_exp, name="other")
    out = io.StringIO()

    call_command("sync_mlflow", "--project", "AML-001", stdout=out)

    assert out.getvalue().splitlines() == [
        f"AML-001 experiment 'cmd' ({exp}) on lab: 2 run(s) seen, 2 written, 2 key-metric point(s) in 2 histories",
        "1 of 1 link(s) synced.",
    ]
    assert set(MlflowRun.objects.values_list("experiment_id", flat=True)) == {exp}


def test_command_reports_failures_and_exits_non_zero(project, server, seed) -> None:
    exp = seed.experiment("ok")
    ExperimentLink.objects.create(project=project, server=server, experiment_id=exp, name="ok")
    ExperimentLink.objects.create(project=project, server=server, experiment_id="55555", name="gone")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError, match="1 link\\(s\\) failed"):
        call_command("sync_mlflow", stdout=out, stderr=err)

    assert "AML-001 experiment 'gone' (55555) on lab: FAILED: MLflow at" in err.getvalue()
    assert out.getvalue().splitlines()[-1] == "1 of 2 link(s) synced."


def test_command_refuses_an_unknown_project(db) -> None:
    with pytest.raises(CommandError, match="No MLflow links for project 'NOPE'"):
        call_command("sync_mlflow", "--project", "NOPE")


# -- a real worker on Redis -------------------------------------------------------------------------------

TEST_BROKER = shared_redis_url("mirror-broker")


@pytest.fixture
def redis_worker(monkeypatch):
    """The project's Celery app on a real Redis broker (a db of its own, emptied first) with a worker thread.

    The worker thread opens its own database connection; it is closed after each task so the test
    database can be dropped at the end.
    """
    import redis
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connection

    redis.Redis.from_url(TEST_BROKER).flushdb()
    monkeypatch.setitem(app.conf, "broker_url", TEST_BROKER)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(app, "_pool", None)  # producers were made for the in-memory broker
    monkeypatch.setattr(app.amqp, "_producer_pool", None)

    def close_connection(**kwargs):
        connection.close()

    task_postrun.connect(close_connection, weak=False)
    try:
        with start_worker(app, perform_ping_check=False, shutdown_timeout=30) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connection)
        app.pool.force_close_all()
        redis.Redis.from_url(TEST_BROKER).flushdb()


def _wait_for(predicate, timeout_s: float = 60.0) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_fan_out_and_the_link_syncs(project, mlflow_server, mlflow_namespace, redis_worker):
    seed = Seeder.for_server(mlflow_server.uri, mlflow_namespace)
    exp = seed.experiment("worker")
    runs = {seed.run(exp, metrics={"val_loss": [0.3, 0.2]}) for _ in range(3)}
    server = TrackingServer.objects.create(name="lab", uri=mlflow_server.uri, timeout_s=5, max_retries=0)
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id=exp, key_metrics=["val_loss"])

    tasks.sync_all_links.delay()  # through Redis: the fan-out task, then one sync task per link

    assert _wait_for(lambda: ExperimentLink.objects.get(pk=link.pk).last_synced_at is not None)
    assert set(MlflowRun.objects.values_list("run_id", flat=True)) == runs
    assert ExperimentLink.objects.get(pk=link.pk).last_error == ""
