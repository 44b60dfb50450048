"""The project's MLflow page against a real `mlflow server`: browse and link, key metrics, unlink, "sync now"
with its polled status fragment (eager tasks), MLflow stopped (no 500, stale data served), permissions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.mirror.choices import SyncStatus
from metrics.mirror.models import ExperimentLink, MlflowRun, RegisteredModelLink, TrackingServer
from metrics.mirror.services.links import experiment_link_create
from metrics.mlflow.local_server import LocalMlflowServer
from tests.metrics.mlflow_seed import Seeder, granted_server

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def seed(mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Seeder:
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


@pytest.fixture
def server(db, mlflow_server: LocalMlflowServer, portfolio) -> TrackingServer:
    return granted_server("lab", mlflow_server.uri, portfolio, timeout_s=5, max_retries=0, is_default=True)


@pytest.fixture
def login(client, people):
    def as_(who: str):
        client.force_login(people[who])
        return client

    return as_


def url(name: str, project, *args) -> str:
    return reverse(name, args=[project.pk, *args])


# -- linking -------------------------------------------------------------------------------------------------


def test_browse_lists_the_servers_experiments_and_links_the_one_picked(project, login, server, seed) -> None:
    experiment_id = seed.experiment("churn")
    seed.experiment("other")
    client = login("ds")

    found = client.get(url("mlflow-browse-experiments", project), {"q": seed.namespace + ".ch"}, **HTMX)

    assert found.status_code == 200
    html = found.content.decode()
    assert f'data-link-experiment="{experiment_id}"' in html and ".other" not in html
    linked = client.post(
        url("mlflow-experiment-link-create", project), {"server": server.pk, "experiment_id": experiment_id}
    )
    assert linked.status_code == 302
    link = ExperimentLink.objects.get()
    assert (link.project, link.name) == (project, seed.name("churn"))
    again = client.get(url("mlflow-browse-experiments", project), {"q": seed.namespace + ".ch"}, **HTMX)
    assert "Linked</span>" in again.content.decode()  # offered no more
    page = client.get(url("project-mlflow", project))
    assert page.status_code == 200 and seed.name("churn") in page.content.decode()
    assert "Never synced" in page.content.decode() and "Stale" in page.content.decode()


def test_link_by_name_with_key_metrics(project, login, server, seed) -> None:
    seed.experiment("by-name")

    response = login("pm").post(
        url("mlflow-experiment-link-create", project),
        {"experiment_name": seed.name("by-name"), "key_metrics": "val_auc, val_loss"},
    )

    assert response.status_code == 302
    assert ExperimentLink.objects.get().key_metrics == ["val_auc", "val_loss"]


def test_an_unknown_experiment_is_refused_on_the_page_and_nothing_is_linked(project, login, server, seed) -> None:
    response = login("ds").post(url("mlflow-experiment-link-create", project), {"experiment_name": seed.name("nope")})

    assert response.status_code == 404  # as for one linked in a portfolio the user cannot see
    assert "No such experiment on this tracking server." in response.content.decode()
    assert f'value="{seed.name("nope")}"' in response.content.decode()  # kept in the form, to correct it
    assert not ExperimentLink.objects.exists()


def test_models_are_browsed_and_linked_by_name(project, login, server, seed) -> None:
    experiment_id = seed.experiment("for-model")
    run_id = seed.run(experiment_id)
    name = seed.model("churn-model", [run_id])
    client = login("ds")

    found = client.get(url("mlflow-browse-models", project), {"q": seed.namespace}, **HTMX)
    assert f'data-link-model="{name}"' in found.content.decode()
    assert client.post(url("mlflow-model-link-create", project), {"model_name": name}).status_code == 302

    assert list(RegisteredModelLink.objects.values_list("model_name", flat=True)) == [name]


def test_key_metrics_are_chosen_and_a_link_is_unlinked(project, people, login, server, seed) -> None:
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=seed.experiment("keys"))
    client = login("ds")

    client.post(url("mlflow-experiment-key-metrics", project, link.pk), {"key": ["val_auc"], "extra": "latency_p95"})
    link.refresh_from_db()
    assert link.key_metrics == ["latency_p95", "val_auc"]

    assert client.post(url("mlflow-link-delete", project, "experiments", link.pk)).status_code == 302
    assert not ExperimentLink.objects.exists()


# -- sync now ------------------------------------------------------------------------------------------------


def test_sync_now_runs_in_process_and_the_fragment_ends_idle(
    project, people, login, server, seed, django_capture_on_commit_callbacks
) -> None:
    experiment_id = seed.experiment("sync")
    seed.run(experiment_id, metrics={"val_auc": [0.7, 0.8]})
    seed.run(experiment_id, metrics={"val_auc": [0.75]})
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=experiment_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = login("ds").post(url("mlflow-link-sync", project, "experiments", link.pk), **HTMX)

    assert response.status_code == 200
    assert 'data-sync-status="queued"' in response.content.decode()  # the test captured the commit hooks
    html = login("ds").get(url("mlflow-link-status", project, "experiments", link.pk)).content.decode()
    assert 'data-sync-status="idle"' in html and "every 1s" not in html  # polling stopped
    assert "Synced" in html and "Stale" not in html
    link.refresh_from_db()
    assert (link.sync_status, link.sync_progress, link.last_error) == (SyncStatus.IDLE, 2, "")
    assert MlflowRun.objects.filter(experiment_id=experiment_id).count() == 2
    page = login("ds").get(url("project-mlflow", project)).content.decode()
    assert ">2</td>" in page  # runs stored


def test_the_status_fragment_polls_while_a_sync_is_queued_or_running(project, people, login, server, seed) -> None:
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=seed.experiment("poll"))
    ExperimentLink.objects.filter(pk=link.pk).update(
        sync_status=SyncStatus.RUNNING, sync_started_at=timezone.now(), sync_progress=1500
    )
    client = login("exec")  # anyone who sees the project sees the progress

    running = client.get(url("mlflow-link-status", project, "experiments", link.pk)).content.decode()
    ExperimentLink.objects.filter(pk=link.pk).update(sync_status=SyncStatus.IDLE)
    idle = client.get(url("mlflow-link-status", project, "experiments", link.pk)).content.decode()

    assert 'hx-trigger="every 1s"' in running and "1500 runs stored so far" in running
    assert 'hx-trigger="every 1s"' not in idle
    assert "Sync now" not in idle  # executives read, they do not sync


def test_a_second_click_while_a_sync_is_queued_queues_nothing(
    project, people, login, server, seed, django_capture_on_commit_callbacks
) -> None:
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=seed.experiment("twice"))
    started = timezone.now() - timedelta(seconds=5)
    ExperimentLink.objects.filter(pk=link.pk).update(sync_status=SyncStatus.QUEUED, sync_started_at=started)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = login("ds").post(url("mlflow-link-sync", project, "experiments", link.pk), **HTMX)

    assert callbacks == []
    assert "already queued or running" in response.content.decode()
    link.refresh_from_db()
    assert (link.sync_status, link.sync_started_at) == (SyncStatus.QUEUED, started)


def test_a_sync_presumed_dead_can_be_requested_again(
    project, people, login, server, seed, django_capture_on_commit_callbacks
) -> None:
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=seed.experiment("dead"))
    ExperimentLink.objects.filter(pk=link.pk).update(
        sync_status=SyncStatus.RUNNING, sync_started_at=timezone.now() - timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        login("ds").post(url("mlflow-link-sync", project, "experiments", link.pk), **HTMX)

    assert len(callbacks) == 1
    link.refresh_from_db()
    assert link.sync_status == SyncStatus.IDLE and link.last_synced_at is not None


# -- MLflow down ---------------------------------------------------------------------------------------------


def test_with_mlflow_stopped_the_button_shows_the_error_and_pages_serve_stale_data(
    transactional_db, project, people, login, restartable_mlflow_server: LocalMlflowServer
) -> None:
    """Real commits (no captured hooks): in-process, the task has run when the button's answer renders."""
    mlflow = restartable_mlflow_server
    server = granted_server("own", mlflow.uri, project.portfolio, timeout_s=2, max_retries=0, is_default=True)
    own = Seeder.for_server(mlflow.uri, "down")
    experiment_id = own.experiment("runs")
    own.run(experiment_id)
    link = experiment_link_create(actor=people["ds"], project=project, server=server, experiment_id=experiment_id)
    client = login("ds")
    synced = client.post(url("mlflow-link-sync", project, "experiments", link.pk), **HTMX)
    assert 'data-sync-status="idle"' in synced.content.decode() and "Synced" in synced.content.decode()
    mlflow.stop()

    button = client.post(url("mlflow-link-sync", project, "experiments", link.pk), **HTMX)
    page = client.get(url("project-mlflow", project))
    browse = client.get(url("mlflow-browse-experiments", project), {"q": "runs"}, **HTMX)
    models_page = client.get(url("project-deployed-models", project))

    assert button.status_code == 200
    assert "data-sync-error" in button.content.decode() and "unreachable" in button.content.decode()
    assert page.status_code == 200
    assert "Stale" in page.content.decode() and ">1</td>" in page.content.decode()  # the mirrored run is served
    assert browse.status_code == 200 and "data-mlflow-unavailable" in browse.content.decode()
    assert models_page.status_code == 200
    link.refresh_from_db()
    assert link.sync_status == SyncStatus.IDLE and link.is_stale
    assert MlflowRun.objects.count() == 1


def test_a_server_nobody_listens_on_never_makes_the_button_fail(
    project, people, login, db, django_capture_on_commit_callbacks
) -> None:
    never = LocalMlflowServer(root=Path("/nonexistent"))
    server = TrackingServer.objects.create(name="down", uri=never.uri, timeout_s=1, max_retries=0)
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id="1")

    with django_capture_on_commit_callbacks(execute=True):
        response = login("pm").post(url("mlflow-link-sync", project, "experiments", link.pk))

    assert response.status_code == 302  # without htmx: back to the page
    link.refresh_from_db()
    assert "unreachable" in link.last_error


# -- permissions ---------------------------------------------------------------------------------------------


def test_outsiders_get_404_everywhere(project, people, login, server, seed) -> None:
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=seed.experiment("hidden"))
    client = login("outsider")

    for name, args in [
        ("project-mlflow", ()),
        ("mlflow-browse-experiments", ()),
        ("mlflow-browse-models", ()),
        ("mlflow-link-status", ("experiments", link.pk)),
        ("project-deployed-models", ()),
    ]:
        assert client.get(url(name, project, *args)).status_code == 404, name
    for name, args in [
        ("mlflow-experiment-link-create", ()),
        ("mlflow-link-sync", ("experiments", link.pk)),
        ("mlflow-link-delete", ("experiments", link.pk)),
        ("mlflow-experiment-key-metrics", (link.pk,)),
    ]:
        assert client.post(url(name, project, *args), {"experiment_name": "x"}).status_code == 404, name
    assert ExperimentLink.objects.count() == 1


@pytest.mark.parametrize("who", ["exec", "architect", "product"])
def test_people_who_do_not_link_cannot_link_sync_or_unlink(project, people, login, server, seed, who) -> None:
    experiment_id = seed.experiment("guarded")
    link = experiment_link_create(actor=people["ds"], project=project, experiment_id=experiment_id)
    client = login(who)

    page = client.get(url("project-mlflow", project)).content.decode()
    refused = [
        client.post(url("mlflow-experiment-link-create", project), {"experiment_name": seed.name("guarded")}),
        client.post(url("mlflow-link-sync", project, "experiments", link.pk)),
        client.post(url("mlflow-link-delete", project, "experiments", link.pk)),
        client.get(url("mlflow-browse-experiments", project)),
    ]

    assert "Link an experiment" not in page
    assert [response.status_code for response in refused] == [403, 403, 403, 403]
    link.refresh_from_db()
    assert ExperimentLink.objects.count() == 1 and link.sync_status == SyncStatus.IDLE


def test_sync_now_of_a_model_link_stores_its_versions(
    project, people, login, server, seed, django_capture_on_commit_callbacks
) -> None:
    experiment_id = seed.experiment("versions")
    name = seed.model("versioned", [seed.run(experiment_id), seed.run(experiment_id)], aliases={"champion": 2})
    client = login("ds")
    client.post(url("mlflow-model-link-create", project), {"model_name": name})
    link = RegisteredModelLink.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("mlflow-link-sync", project, "models", link.pk), **HTMX)

    status = client.get(url("mlflow-link-status", project, "models", link.pk)).content.decode()
    assert 'data-sync-status="idle"' in status and "Synced" in status
    link.refresh_from_db()
    assert (link.sync_status, link.sync_progress, link.last_error) == (SyncStatus.IDLE, 2, "")
    assert ">2</td>" in client.get(url("project-mlflow", project)).content.decode()  # versions mirrored
