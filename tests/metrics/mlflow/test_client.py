"""Contract tests of `metrics.mlflow` against a real `mlflow server` of the pinned version."""

from __future__ import annotations

import base64
import json
import os
import threading

import pytest

from metrics.mlflow import (
    Credentials,
    HttpPolicy,
    MlflowAccessDenied,
    MlflowError,
    MlflowGateway,
    MlflowNotFound,
    MlflowRequestRejected,
    MlflowUnavailable,
    RunView,
)
from metrics.mlflow import client as client_module
from metrics.mlflow.local_server import LocalMlflowServer
from tests.metrics.conftest import FakeMlflow, SilentListener
from tests.metrics.mlflow_seed import Seeder, now_ms

# Fail fast in fault tests: one retry, no sleeping between attempts.
TINY = HttpPolicy(timeout_s=1, max_retries=1, backoff_factor=0, backoff_jitter=0.0)
MINUTE = 60_000


@pytest.fixture
def seed(mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Seeder:
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


@pytest.fixture
def gateway(mlflow_server: LocalMlflowServer) -> MlflowGateway:
    return MlflowGateway(mlflow_server.uri, policy=HttpPolicy(timeout_s=10, max_retries=1, backoff_factor=0))


# -- paging ----------------------------------------------------------------------------------------


def test_runs_page_through_every_run_exactly_once(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("paging")
    seeded = {seed.run(exp, name=f"r{i}", metrics={"acc": [i / 100]}) for i in range(23)}

    pages = list(gateway.iter_run_pages([exp], page_size=5))

    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    returned = [run.run_id for page in pages for run in page]
    assert len(returned) == 23
    assert set(returned) == seeded


def test_runs_of_several_experiments_sorted_by_a_metric(seed: Seeder, gateway: MlflowGateway) -> None:
    first, second = seed.experiment("a"), seed.experiment("b")
    for i, exp in enumerate([first, second, first, second, first]):
        seed.run(exp, name=f"r{i}", metrics={"val_auc": [0.5 + i / 10]})

    runs = list(gateway.iter_runs([first, second], order_by=["metrics.val_auc DESC"], page_size=2))

    assert [r.run_name for r in runs] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r.experiment_id for r in runs] == [first, second, first, second, first]


def test_filtered_search_returns_only_matching_runs(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("filter")
    seed.run(exp, name="good", params={"split_seed": 7}, metrics={"val_auc": [0.7, 0.85]})
    seed.run(exp, name="weak", params={"split_seed": 7}, metrics={"val_auc": [0.6]})
    seed.run(exp, name="noseed", metrics={"val_auc": [0.9]})

    runs = list(gateway.iter_runs([exp], filter_string="metrics.val_auc >= 0.8 and params.split_seed = '7'"))

    assert [r.run_name for r in runs] == ["good"]


def test_experiments_page_through_a_name_filter(seed: Seeder, gateway: MlflowGateway) -> None:
    created = {seed.experiment(f"exp-{i}") for i in range(7)}

    found = list(gateway.iter_experiments(filter_string=f"name LIKE '{seed.namespace}%'", page_size=3))

    assert sorted(e.experiment_id for e in found) == sorted(created)
    assert all(e.name.startswith(seed.namespace) and not e.deleted for e in found)
    assert gateway.get_experiment_by_name(seed.name("exp-3")).name == seed.name("exp-3")


def test_run_snapshot_carries_status_times_params_tags_latest_metrics(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("snapshot")
    start = now_ms() - 10 * MINUTE
    run_id = seed.run(
        exp,
        name="baseline",
        params={"lr": 0.1, "split_seed": 7},
        tags={"team": "fraud"},
        metrics={"loss": [0.9, 0.5, 0.3], "val_auc": [0.81]},
        start_time=start,
        end_time=start + 5 * MINUTE,
        status="FAILED",
    )

    run = gateway.get_run(run_id)

    assert (run.run_id, run.experiment_id, run.run_name, run.status) == (run_id, exp, "baseline", "FAILED")
    assert (run.start_time, run.end_time) == (start, start + 5 * MINUTE)
    assert run.lifecycle_stage == "active" and not run.deleted and run.finished
    assert run.params == {"lr": "0.1", "split_seed": "7"}
    assert run.tags["team"] == "fraud"
    assert run.metrics == {"loss": 0.3, "val_auc": 0.81}
    assert run.artifact_uri.endswith(f"{run_id}/artifacts")
    assert json.loads(json.dumps(run.as_json()))["metrics"] == {"loss": 0.3, "val_auc": 0.81}


# -- watermark strategy ------------------------------------------------------------------------------


def test_watermark_returns_runs_ended_since_overlap_plus_the_unfinished(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("watermark")
    watermark = now_ms() - 60 * MINUTE
    ended = {
        offset: seed.run(exp, name=f"end{offset:+d}m", start_time=watermark - 90 * MINUTE,
                         end_time=watermark + offset * MINUTE)
        for offset in (-30, -4, 0, 10)
    }  # fmt: skip
    deleted_late = seed.run(exp, name="deleted", end_time=watermark + 20 * MINUTE, deleted=True)
    running = seed.run(exp, name="running", status="RUNNING")

    since = list(gateway.runs_finished_since([exp], watermark, overlap_ms=5 * MINUTE, page_size=2))

    assert [r.run_id for r in since] == [ended[-4], ended[0], ended[10], deleted_late]
    assert [r.deleted for r in since] == [False, False, False, True]
    assert [r.run_id for r in gateway.runs_unfinished([exp])] == [running]
    assert len(list(gateway.runs_finished_since([exp], None))) == 5  # first sync: every ended run

    seed.finish(running, end_time=now_ms())
    assert [r.run_id for r in gateway.runs_finished_since([exp], now_ms() - MINUTE, overlap_ms=0)] == [running]
    assert list(gateway.runs_unfinished([exp])) == []


def test_deleted_runs_visible_with_their_lifecycle_stage_when_asked(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("deleted")
    kept = seed.run(exp, name="kept")
    gone = seed.run(exp, name="gone", deleted=True)

    assert [r.run_id for r in gateway.iter_runs([exp])] == [kept]
    assert {r.run_id: r.lifecycle_stage for r in gateway.iter_runs([exp], view=RunView.ALL)} == {
        kept: "active",
        gone: "deleted",
    }
    assert [r.run_id for r in gateway.runs_deleted([exp])] == [gone]
    assert gateway.get_run(gone).deleted


def test_known_runs_refetched_by_id_in_chunks(
    seed: Seeder, gateway: MlflowGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "RUN_IDS_PER_SEARCH", 2)
    exp = seed.experiment("by-id")
    kept = [seed.run(exp, name=f"r{i}", metrics={"acc": [0.5]}) for i in range(3)]
    gone = seed.run(exp, name="gone", deleted=True)
    seed.run(exp, name="not-asked")

    found = {r.run_id: r.deleted for r in gateway.runs_by_id([exp], [*kept, gone, "0" * 32])}

    assert found == {kept[0]: False, kept[1]: False, kept[2]: False, gone: True}
    with pytest.raises(MlflowRequestRejected, match="Not MLflow run ids"):
        list(gateway.runs_by_id([exp], ["abc' OR '1'='1"]))


# -- metric history ----------------------------------------------------------------------------------


def test_metric_history_is_complete_across_pages(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("history")
    values = [round(1 / (step + 1), 6) for step in range(57)]
    run_id = seed.run(exp, metrics={"loss": values, "other": [1.0]})

    history = gateway.metric_history(run_id, "loss", page_size=10)

    assert [p.step for p in history] == list(range(57))
    assert [p.value for p in history] == values
    assert gateway.metric_history(run_id, "never_logged", page_size=10) == []
    assert gateway.get_run(run_id).metrics["loss"] == values[-1]


# -- model registry ----------------------------------------------------------------------------------


def test_model_versions_with_aliases_tags_and_source_run(seed: Seeder, gateway: MlflowGateway) -> None:
    exp = seed.experiment("models")
    runs = [seed.run(exp, name=f"train{i}") for i in range(3)]
    name = seed.model(
        "fraud-scorer",
        runs,
        aliases={"champion": 2, "prod": 2, "challenger": 3},
        tags={"owner": "ds"},
        version_tags={1: {"validated": "false"}},
    )
    seed.model("other", runs[:1])

    versions = list(gateway.iter_model_versions(name, page_size=2))

    assert [(v.version, v.run_id, v.aliases) for v in versions] == [
        ("1", runs[0], ()),
        ("2", runs[1], ("champion", "prod")),
        ("3", runs[2], ("challenger",)),
    ]
    assert versions[0].tags == {"validated": "false"}
    assert versions[1].source == f"runs:/{runs[1]}/model" and versions[1].status == "READY"
    models = list(gateway.iter_registered_models(filter_string=f"name LIKE '{seed.namespace}%'", page_size=1))
    assert sorted(m.name for m in models) == sorted([name, seed.name("other")])
    model = gateway.get_registered_model(name)
    assert model.aliases == {"champion": "2", "prod": "2", "challenger": "3"} and model.tags == {"owner": "ds"}

    seed.move_alias(name, "champion", 3)
    assert gateway.get_model_version(name, "3").aliases == ("challenger", "champion")
    assert gateway.get_model_version(name, "2").aliases == ("prod",)


# -- errors ------------------------------------------------------------------------------------------


def test_unknown_objects_raise_not_found(seed: Seeder, gateway: MlflowGateway) -> None:
    with pytest.raises(MlflowNotFound, match="0123456789abcdef0123456789abcdef"):
        gateway.get_run("0123456789abcdef0123456789abcdef")
    # MLflow answers an empty history, not an error, for a run it does not know: callers check the run.
    assert gateway.metric_history("0123456789abcdef0123456789abcdef", "loss") == []
    with pytest.raises(MlflowNotFound):
        gateway.get_experiment_by_name(seed.name("missing"))
    with pytest.raises(MlflowNotFound):
        gateway.get_registered_model(seed.name("missing"))
    with pytest.raises(MlflowNotFound):
        list(gateway.iter_model_versions(seed.name("missing")))
    with pytest.raises(MlflowNotFound):
        gateway.get_experiment("987654321")


@pytest.mark.parametrize(
    "bad_filter",
    [
        "metrics.val_auc >>= 0.8",
        "attributes.end_time >= 1 OR attributes.status = 'RUNNING'",
        "attributes.end_time IS NULL",
    ],
)
def test_bad_filter_is_rejected(seed: Seeder, gateway: MlflowGateway, bad_filter: str) -> None:
    exp = seed.experiment("bad-filter")
    with pytest.raises(MlflowRequestRejected, match="request rejected"):
        list(gateway.iter_runs([exp], filter_string=bad_filter))


def test_uri_must_be_an_http_server() -> None:
    for uri in ("sqlite:///mlflow.db", "file:///tmp/mlruns", "databricks", ""):
        with pytest.raises(MlflowRequestRejected, match="http"):
            MlflowGateway(uri)
    assert MlflowGateway("http://127.0.0.1:5000/").uri == "http://127.0.0.1:5000"


# -- faults ------------------------------------------------------------------------------------------


def test_stopped_server_is_unavailable_and_works_again_after_restart(
    restartable_mlflow_server: LocalMlflowServer,
) -> None:
    server = restartable_mlflow_server
    seed = Seeder.for_server(server.uri, "restart")
    exp = seed.experiment("runs")
    seeded = {seed.run(exp, name=f"r{i}") for i in range(6)}
    gateway = MlflowGateway(server.uri, policy=TINY)
    pages = gateway.iter_run_pages([exp], page_size=2)
    first_page = next(pages)

    server.stop()
    with pytest.raises(MlflowUnavailable, match="unreachable after 2 attempt") as stopped:
        next(pages)  # the server went away in the middle of paging
    assert stopped.value.uri == server.uri
    with pytest.raises(MlflowUnavailable):
        gateway.get_run(first_page[0].run_id)

    server.start()
    assert {r.run_id for r in gateway.iter_runs([exp], page_size=2)} == seeded
    assert gateway.get_run(first_page[0].run_id).run_id == first_page[0].run_id


@pytest.mark.parametrize("retries", [0, 2])
def test_server_errors_are_retried_within_the_configured_budget(fake_mlflow: FakeMlflow, retries: int) -> None:
    gateway = MlflowGateway(fake_mlflow.uri, policy=HttpPolicy(timeout_s=2, max_retries=retries, backoff_factor=0))

    with pytest.raises(MlflowUnavailable, match=f"{retries + 1} attempt"):
        gateway.get_run("0123456789abcdef0123456789abcdef")

    assert len(fake_mlflow.requests) == retries + 1


def test_hanging_server_times_out_within_the_configured_budget(silent_listener: SilentListener) -> None:
    gateway = MlflowGateway(silent_listener.uri, policy=TINY)

    with pytest.raises(MlflowUnavailable, match="2 attempt"):
        gateway.ping()

    assert len(silent_listener.accepted) == TINY.attempts


def test_wrong_credentials_are_access_denied_without_retrying(fake_mlflow: FakeMlflow) -> None:
    fake_mlflow.status, fake_mlflow.body = 401, {"error_code": "UNAUTHENTICATED", "message": "bad credentials"}
    gateway = MlflowGateway(fake_mlflow.uri, credentials=Credentials("ds", "wrong"), policy=TINY)

    with pytest.raises(MlflowAccessDenied, match="credentials"):
        gateway.ping()
    assert len(fake_mlflow.requests) == 1


def test_a_repeated_page_token_stops_paging(fake_mlflow: FakeMlflow) -> None:
    fake_mlflow.status, fake_mlflow.body = 200, {"experiments": [], "next_page_token": "same"}
    gateway = MlflowGateway(fake_mlflow.uri, policy=TINY)

    with pytest.raises(MlflowError, match="page token repeated"):
        list(gateway.iter_experiments())
    assert len(fake_mlflow.requests) == 2


# -- per-connection credentials and policy -------------------------------------------------------------


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_each_connection_sends_its_own_credentials(fake_mlflow: FakeMlflow, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_mlflow.status, fake_mlflow.body, fake_mlflow.delay_s = 200, {"experiments": []}, 0.05
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "process-wide")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    gateways = {
        _basic("alice", "pw-a"): MlflowGateway(fake_mlflow.uri, credentials=Credentials("alice", "pw-a"), policy=TINY),
        "Bearer tok-b": MlflowGateway(fake_mlflow.uri, credentials=Credentials(token="tok-b"), policy=TINY),
        None: MlflowGateway(fake_mlflow.uri, policy=HttpPolicy(timeout_s=3, max_retries=0)),
    }
    errors: list[BaseException] = []

    def hammer(gateway: MlflowGateway) -> None:
        try:
            for _ in range(5):
                gateway.ping()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(g,)) for g in gateways.values() for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    sent = [auth for _, _, auth in fake_mlflow.requests]
    assert {auth: sent.count(auth) for auth in gateways} == {auth: 10 for auth in gateways}
    assert os.environ["MLFLOW_TRACKING_TOKEN"] == "process-wide"
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ and "MLFLOW_TRACKING_USERNAME" not in os.environ


def test_default_connection_comes_from_mlflow_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "svc")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "secret")
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)

    gateway = MlflowGateway.from_environment()

    assert gateway.uri == "http://mlflow.internal:5000"
    assert gateway.credentials == Credentials("svc", "secret")
    assert "secret" not in repr(gateway.credentials)


def test_http_policy_bounds_and_worst_case() -> None:
    policy = HttpPolicy()
    assert (policy.timeout_s, policy.max_retries, policy.attempts) == (30, 4, 5)
    # retries 2..4 sleep 2*2+1, 2*4+1, 2*8+1 seconds at most; five attempts of connect + read timeouts
    assert policy.backoff_seconds() == 31.0
    assert policy.worst_case_seconds() == 5 * 2 * 30 + 31.0
    assert TINY.worst_case_seconds() == 4.0
    assert policy.env()["MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER"] == "false"  # a Retry-After could exceed it
    for bad in ({"max_retries": 11}, {"timeout_s": 0}, {"backoff_factor": -1}, {"backoff_jitter": -0.5}):
        with pytest.raises(ValueError):
            HttpPolicy(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Credentials(username="only-user")
