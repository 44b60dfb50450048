"""MLflow isolation between portfolios sharing one real `mlflow server`.

Portfolio A (`portfolio`, its PM and data scientist) and portfolio B ("air", whose PM is `people["outsider"]`)
are both granted the "lab" server; "b-only" (the same MLflow, registered again) is granted to B alone. B's
project links and syncs an experiment and a registered model. A's people never see, link, sync or read them,
through pages or API; the server not granted to A is not offered to A; a server granted to nobody serves nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from lifecycle.models import AuditRecord, Project
from metrics.evidence.models import GateEvidence
from metrics.mirror.models import ExperimentLink, MlflowRun, RegisteredModelLink, TrackingServer
from metrics.mirror.services import links
from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync
from metrics.mlflow.local_server import LocalMlflowServer
from portal.exceptions import ValidationFailed
from portfolio.choices import Role
from portfolio.models import Portfolio
from tests.factories import make_project, member
from tests.metrics.evidence_world import at_modeling_gate
from tests.metrics.mlflow_seed import Seeder, granted_server

HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class Shared:
    seed: Seeder
    lab: TrackingServer  # granted to A and B
    b_only: TrackingServer  # granted to B only
    project_b: Project
    b_experiment: str  # linked to B's project and synced
    b_run: str
    b_model: str  # linked to B's project and synced
    a_experiment: str  # on the lab, linked to nothing
    a_model: str


@pytest.fixture
def shared(project, people, mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Shared:
    portfolio_b = Portfolio.objects.get(slug="air")
    project_b = make_project(
        portfolio=portfolio_b,
        owner=people["outsider"],
        sponsor=member(portfolio_b, Role.EXECUTIVE_LEADER, "exec-b"),
        code="AIR-001",
    )
    options: dict[str, Any] = {"timeout_s": 5, "max_retries": 0}
    lab = granted_server("lab", mlflow_server.uri, project.portfolio, portfolio_b, is_default=True, **options)
    b_only = granted_server("b-only", mlflow_server.uri, portfolio_b, **options)
    seed = Seeder.for_server(mlflow_server.uri, mlflow_namespace)
    b_experiment = seed.experiment("b-secret")
    b_run = seed.run(b_experiment, name="b-run", metrics={"val_auc": [0.91]})
    b_model = seed.model("b-model", [b_run])
    a_experiment = seed.experiment("a-own")
    a_model = seed.model("a-model", [seed.run(a_experiment, name="a-run", metrics={"val_auc": [0.7]})])
    manager_b = people["outsider"]
    link = links.experiment_link_create(actor=manager_b, project=project_b, server=lab, experiment_id=b_experiment)
    model_link = links.model_link_create(actor=manager_b, project=project_b, server=lab, model_name=b_model)
    experiment_link_sync(link.pk)
    registered_model_link_sync(model_link.pk)
    return Shared(seed, lab, b_only, project_b, b_experiment, b_run, b_model, a_experiment, a_model)


@pytest.fixture
def login(client, people):
    def as_(who: str):
        client.force_login(people[who])
        return client

    return as_


@pytest.fixture
def api(people):
    def as_(who: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[who])
        return client

    return as_


def page(name: str, project: Project, *args: Any) -> str:
    return reverse(name, args=[project.pk, *args])


def mirror_rows() -> dict[str, Any]:
    """Everything linking, syncing or attaching could write."""
    return {
        "experiment_links": list(ExperimentLink.objects.order_by("pk").values()),
        "model_links": list(RegisteredModelLink.objects.order_by("pk").values()),
        "runs": MlflowRun.objects.count(),
        "evidence": GateEvidence.objects.count(),
        "audit": list(AuditRecord.objects.order_by("pk").values_list("pk", "action")),
    }


# -- browsing ------------------------------------------------------------------------------------------------


def test_browsing_offers_the_portfolios_servers_without_what_another_portfolio_links(
    project, people, login, shared
) -> None:
    client = login("ds")

    mlflow_page = client.get(page("project-mlflow", project))
    experiments = client.get(page("mlflow-browse-experiments", project), {"q": shared.seed.namespace}, **HTMX)
    models = client.get(page("mlflow-browse-models", project), {"q": shared.seed.namespace}, **HTMX)
    other_server = client.get(
        page("mlflow-browse-experiments", project), {"q": shared.seed.namespace, "server": shared.b_only.pk}, **HTMX
    )

    assert mlflow_page.context["servers"] == [shared.lab]
    html = experiments.content.decode()
    assert f'data-link-experiment="{shared.a_experiment}"' in html
    assert f'data-link-experiment="{shared.b_experiment}"' not in html and shared.seed.name("b-secret") not in html
    html = models.content.decode()
    assert f'data-link-model="{shared.a_model}"' in html and shared.b_model not in html
    html = other_server.content.decode()
    assert other_server.status_code == 200 and "No MLflow tracking server serves this portfolio." in html
    assert "data-link-experiment" not in html and shared.seed.namespace not in html


def test_the_portfolio_that_links_an_experiment_still_browses_it(people, login, shared) -> None:
    client = login("outsider")  # B's manager

    found = client.get(page("mlflow-browse-experiments", shared.project_b), {"q": shared.seed.namespace}, **HTMX)

    html = found.content.decode()
    assert shared.seed.name("b-secret") in html and "Linked</span>" in html
    assert f'data-link-experiment="{shared.a_experiment}"' in html


# -- linking -------------------------------------------------------------------------------------------------


def test_linking_what_another_portfolio_links_answers_404_on_pages_and_api_and_writes_nothing(
    project, people, login, api, shared
) -> None:
    before = mirror_rows()
    client, rest = login("pm"), api("pm")
    experiments_api = f"/api/v1/projects/{project.pk}/experiment-links/"
    models_api = f"/api/v1/projects/{project.pk}/model-links/"

    answers = [
        client.post(page("mlflow-experiment-link-create", project), {"experiment_id": shared.b_experiment}),
        client.post(page("mlflow-experiment-link-create", project), {"experiment_name": shared.seed.name("b-secret")}),
        client.post(page("mlflow-model-link-create", project), {"model_name": shared.b_model}),
        rest.post(experiments_api, {"experiment_id": shared.b_experiment}, format="json"),
        rest.post(experiments_api, {"experiment_name": shared.seed.name("b-secret")}, format="json"),
        rest.post(experiments_api, {"server": shared.lab.pk, "experiment_id": shared.b_experiment}, format="json"),
        rest.post(models_api, {"model_name": shared.b_model}, format="json"),
    ]

    assert [answer.status_code for answer in answers] == [404] * 7
    assert {answer.json()["code"] for answer in answers[3:]} == {"not_found"}
    for answer in answers:  # nothing about the experiment or the model is told, beyond the name the user typed
        body = answer.content.decode()
        for typed in (shared.seed.name("b-secret"), shared.b_model):
            body = body.replace(f'value="{typed}"', "")
        assert shared.seed.name("b-secret") not in body and shared.b_model not in body and "b-run" not in body
    assert mirror_rows() == before
    with pytest.raises(links.MlflowItemHidden):
        links.experiment_link_create(
            actor=people["ds"], project=project, server=shared.lab, experiment_id=shared.b_experiment
        )
    assert mirror_rows() == before


def test_a_hidden_item_and_a_missing_one_get_the_same_answer(project, api, login, shared) -> None:
    """Probing names must not tell what another portfolio links: hidden and missing look alike."""
    rest, client = api("pm"), login("pm")
    experiments_api = f"/api/v1/projects/{project.pk}/experiment-links/"
    models_api = f"/api/v1/projects/{project.pk}/model-links/"
    pairs = [
        (experiments_api, {"experiment_id": shared.b_experiment}, {"experiment_id": "987654321"}),
        (experiments_api, {"experiment_name": shared.seed.name("b-secret")}, {"experiment_name": "no-such"}),
        (models_api, {"model_name": shared.b_model}, {"model_name": shared.seed.name("no-such")}),
    ]
    for url, hidden, missing in pairs:
        hidden_answer, missing_answer = rest.post(url, hidden, format="json"), rest.post(url, missing, format="json")
        assert hidden_answer.status_code == missing_answer.status_code == 404
        assert hidden_answer.json() == missing_answer.json()
    page_answers = [
        client.post(page("mlflow-experiment-link-create", project), {"experiment_id": experiment_id})
        for experiment_id in (shared.b_experiment, "987654321")
    ]
    assert [answer.status_code for answer in page_answers] == [404, 404]
    for answer in page_answers:
        assert "No such experiment on this tracking server." in answer.content.decode()


def test_someone_who_sees_both_projects_may_link_the_experiment_to_either(project, people, shared) -> None:
    both = people["pm"]
    Portfolio.objects.get(slug="air").memberships.create(user=both, role=Role.PROJECT_MANAGER)

    link = links.experiment_link_create(
        actor=both, project=project, server=shared.lab, experiment_id=shared.b_experiment
    )

    assert (link.project, link.experiment_id) == (project, shared.b_experiment)


def test_a_server_not_granted_to_the_portfolio_is_neither_listed_nor_usable(
    project, people, login, api, shared
) -> None:
    before = mirror_rows()
    rest = api("pm")
    experiments_api = f"/api/v1/projects/{project.pk}/experiment-links/"

    listed = rest.get("/api/v1/mlflow-servers/").json()["results"]
    detail = rest.get(f"/api/v1/mlflow-servers/{shared.b_only.pk}/")
    not_granted = rest.post(
        experiments_api, {"server": shared.b_only.pk, "experiment_id": shared.a_experiment}, format="json"
    )
    unknown = rest.post(experiments_api, {"server": 999_999, "experiment_id": shared.a_experiment}, format="json")
    on_page = login("pm").post(
        page("mlflow-experiment-link-create", project),
        {"server": shared.b_only.pk, "experiment_id": shared.a_experiment},
    )
    seen_by_b = api("outsider").get("/api/v1/mlflow-servers/").json()["results"]

    assert [row["name"] for row in listed] == ["lab"] and "portfolios" not in listed[0]
    assert detail.status_code == 404
    assert not_granted.status_code == unknown.status_code == 400
    refusal = {"code": "invalid", "detail": "No such tracking server.", "errors": {"server": "Not found."}}
    assert not_granted.json() == unknown.json() == refusal
    assert on_page.status_code == 422
    assert sorted(row["name"] for row in seen_by_b) == ["b-only", "lab"]
    assert mirror_rows() == before


# -- reading and syncing -------------------------------------------------------------------------------------


def test_manager_a_cannot_read_or_sync_the_runs_of_b(project, people, login, api, shared) -> None:
    link_b = ExperimentLink.objects.get(project=shared.project_b)
    model_link_b = RegisteredModelLink.objects.get(project=shared.project_b)
    before = mirror_rows()
    client, rest = login("pm"), api("pm")
    b_api, a_api = f"/api/v1/projects/{shared.project_b.pk}", f"/api/v1/projects/{project.pk}"

    refused = [
        client.get(page("project-mlflow", shared.project_b)),
        client.post(page("mlflow-link-sync", shared.project_b, "experiments", link_b.pk), **HTMX),
        client.post(page("mlflow-link-sync", project, "experiments", link_b.pk), **HTMX),
        client.get(page("mlflow-link-status", project, "experiments", link_b.pk)),
        client.post(page("mlflow-link-sync", project, "models", model_link_b.pk), **HTMX),
        rest.get(f"{b_api}/runs/"),
        rest.get(f"{b_api}/experiment-links/"),
        rest.get(f"{b_api}/model-links/"),
        rest.post(f"{b_api}/experiment-links/{link_b.pk}/sync/", format="json"),
        rest.get(f"{a_api}/experiment-links/{link_b.pk}/"),
        rest.post(f"{a_api}/experiment-links/{link_b.pk}/sync/", format="json"),
        rest.post(f"{a_api}/model-links/{model_link_b.pk}/sync/", format="json"),
    ]
    own_runs = rest.get(f"{a_api}/runs/")

    assert [answer.status_code for answer in refused] == [404] * len(refused)
    assert own_runs.status_code == 200 and own_runs.json()["results"] == []
    assert mirror_rows() == before
    assert MlflowRun.objects.filter(run_id=shared.b_run).exists()  # the run is mirrored, only not for A


def test_run_search_and_evidence_attach_reach_only_the_projects_own_runs(project, people, login, api, shared) -> None:
    review = at_modeling_gate(project, people)
    own = links.experiment_link_create(actor=people["ds"], project=project, experiment_id=shared.a_experiment)
    experiment_link_sync(own.pk)
    before = mirror_rows()
    client, rest = login("ds"), api("ds")
    evidence_api = f"/api/v1/gate-reviews/{review.pk}/evidence/"

    search_page = client.get(reverse("evidence-review", args=[review.pk]), {"q": "run"})
    searched = rest.get(f"/api/v1/projects/{project.pk}/runs/", {"q": "run"}).json()["results"]
    by_run = rest.post(evidence_api, {"run_id": shared.b_run}, format="json")
    by_version = rest.post(evidence_api, {"model_name": shared.b_model, "version": 1}, format="json")
    on_page = client.post(reverse("evidence-attach", args=[review.pk]), {"run_id": shared.b_run})

    assert [row["run_name"] for row in searched] == ["a-run"]
    html = search_page.content.decode()
    assert "a-run" in html and "b-run" not in html and shared.b_run not in html
    assert (by_run.status_code, by_run.json()["errors"]) == (400, {"run_id": "Unknown."})
    assert (by_version.status_code, by_version.json()["errors"]) == (400, {"model_version": "Unknown."})
    assert on_page.status_code == 302
    assert mirror_rows() == before


# -- grants --------------------------------------------------------------------------------------------------


def test_a_server_granted_to_no_portfolio_serves_none_until_staff_grant_it(
    project, people, login, mlflow_server: LocalMlflowServer, mlflow_namespace: str
) -> None:
    seed = Seeder.for_server(mlflow_server.uri, mlflow_namespace)
    experiment_id = seed.experiment("grant")
    server = TrackingServer.objects.create(name="new", uri=mlflow_server.uri, timeout_s=5, max_retries=0)
    TrackingServer.objects.filter(pk=server.pk).update(is_default=True)
    staff = member(project.portfolio, Role.PROGRAM_MANAGER, "operator")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    operator = APIClient()
    operator.force_authenticate(staff)

    with pytest.raises(ValidationFailed, match="No MLflow tracking server is available to this portfolio"):
        links.experiment_link_create(actor=people["ds"], project=project, experiment_id=experiment_id)
    with pytest.raises(ValidationFailed, match="No such tracking server"):
        links.experiment_link_create(actor=people["ds"], project=project, server=server, experiment_id=experiment_id)
    empty_page = login("ds").get(page("project-mlflow", project)).content.decode()
    unknown = operator.patch(f"/api/v1/mlflow-servers/{server.pk}/", {"portfolios": [999_999]}, format="json")
    granted = operator.patch(
        f"/api/v1/mlflow-servers/{server.pk}/", {"portfolios": [project.portfolio_id]}, format="json"
    )
    link = links.experiment_link_create(actor=people["ds"], project=project, experiment_id=experiment_id)

    assert "No MLflow tracking server serves the Applied Machine Learning portfolio yet" in empty_page
    assert unknown.status_code == 400 and unknown.json()["errors"] == {"portfolios": "Unknown portfolio."}
    assert granted.status_code == 200 and granted.json()["portfolios"] == [project.portfolio_id]
    audit = AuditRecord.objects.get(action="mlflow.server_saved")
    assert (audit.before, audit.after) == ({"portfolios": []}, {"portfolios": [project.portfolio_id]})
    assert link.server == server


def test_staff_register_a_server_with_its_portfolios(db, people, portfolio) -> None:
    admin = member(portfolio, Role.PROGRAM_MANAGER, "operator")
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    body = {"name": "prod", "uri": "https://mlflow.example.org/", "portfolios": [portfolio.pk]}
    operator = APIClient()
    operator.force_authenticate(admin)

    created = operator.post("/api/v1/mlflow-servers/", body, format="json")
    bare = operator.post("/api/v1/mlflow-servers/", {"name": "bare", "uri": "https://b.example.org/"}, format="json")

    assert created.status_code == 201 and created.json()["portfolios"] == [portfolio.pk]
    assert bare.status_code == 201 and bare.json()["portfolios"] == []
    first = AuditRecord.objects.filter(action="mlflow.server_saved").order_by("pk").first()
    assert first is not None and first.after["portfolios"] == [portfolio.pk]


def test_the_default_server_from_settings_serves_the_portfolios_that_exist(db, settings, portfolio) -> None:
    settings.MLFLOW_TRACKING_URI = "http://mlflow.internal:5000/"

    server = links.tracking_server_default()

    assert server is not None and list(server.portfolios.all()) == [portfolio]
