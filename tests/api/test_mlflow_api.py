"""API of MLflow servers, links, deployed models and model alerts: contract, permissions and scoping.

Linking and syncing run against a real `mlflow server` (tests/metrics/conftest.py); deployed-model and alert
endpoints use mirrored rows written directly, so they need no server.
"""

from __future__ import annotations

import pytest
import schemathesis
from knox.models import AuthToken
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from lifecycle.models import AuditRecord, Project
from metrics.deployments.choices import AlertState
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.mirror.models import ExperimentLink, RegisteredModelLink, RunMetricPoint, TrackingServer
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.choices import Role
from tests.api.conftest import db_fingerprint
from tests.api.fuzzing import FUZZ_METHODS, ROUNDS, fuzz_operation, generated_schema, path_parameters
from tests.api.mlflow_world import mlflow_world
from tests.api.routes import api_routes, concrete_url, route_methods
from tests.factories import UserFactory, member
from tests.metrics.conftest import LocalMlflowServer, mlflow_namespace, mlflow_server  # noqa: F401 - fixtures
from tests.metrics.mlflow_seed import Seeder

MY_COLLECTIONS = ("mlflow-servers", "experiment-links", "model-links", "deployed-models", "model-alerts")


def mine_fingerprint() -> dict:
    counts = {
        model.__name__: model.objects.count()
        for model in (
            TrackingServer,
            ExperimentLink,
            RegisteredModelLink,
            DeployedModel,
            ProductionThreshold,
            ModelAlert,
        )
    }
    return {
        "lifecycle": db_fingerprint(),
        "counts": counts,
        "servers": sorted(TrackingServer.objects.values_list("id", "name", "uri", "is_default", "token_env")),
        "links": sorted(ExperimentLink.objects.values_list("id", "key_metrics", "sync_status")),
        "models": sorted(DeployedModel.objects.values_list("id", "name", "owner_id", "last_trained_at")),
        "alerts": sorted(ModelAlert.objects.values_list("id", "state")),
    }


@pytest.fixture
def offline_server(db) -> TrackingServer:
    """A server nothing listens on: reads of mirrored data never need it."""
    return TrackingServer.objects.create(
        name="offline", uri="http://127.0.0.1:9", timeout_s=1, max_retries=0, token_env="LAB_TOKEN"
    )


@pytest.fixture
def world(project, people, offline_server):
    return {"projects": project.pk, **mlflow_world(project, people, offline_server)}


def my_routes() -> list[tuple[str, object]]:
    # Served by our views: a model alert's comment thread (model-alerts/{id}/comments/) is the comments area's.
    return [
        (route, callback)
        for route, callback in api_routes()
        if any(c in route for c in MY_COLLECTIONS) and callback.cls.__module__.startswith("metrics.")
    ]


def rows_of(response) -> list[dict]:
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_our_routes_are_registered() -> None:
    assert {route for route, _ in my_routes()} == {
        "api/v1/mlflow-servers/",
        "api/v1/mlflow-servers/<pk>/",
        "api/v1/deployed-models/",
        "api/v1/deployed-models/<pk>/",
        "api/v1/deployed-models/<pk>/evaluate/",
        "api/v1/deployed-models/<pk>/thresholds/",
        "api/v1/model-alerts/",
        "api/v1/model-alerts/<pk>/",
        "api/v1/model-alerts/<pk>/acknowledge/",
        "api/v1/model-alerts/<pk>/resolve/",
        "api/v1/projects/<int:project_pk>/experiment-links/",
        "api/v1/projects/<int:project_pk>/experiment-links/<int:link_pk>/",
        "api/v1/projects/<int:project_pk>/experiment-links/<int:link_pk>/sync/",
        "api/v1/projects/<int:project_pk>/model-links/",
        "api/v1/projects/<int:project_pk>/model-links/<int:link_pk>/",
        "api/v1/projects/<int:project_pk>/model-links/<int:link_pk>/sync/",
    }


@pytest.mark.django_db
def test_every_route_of_ours_is_scoped_like_test_scoping_walks_them(world, client_for) -> None:
    """tests/api/test_scoping.py's walk, over our routes with our ids (the lead adds them to its world)."""
    outsider, pm = client_for("outsider"), client_for("pm")
    nobody = APIClient()
    nobody.force_authenticate(UserFactory(username="no-role"))
    checked = 0
    for route, callback in my_routes():
        view_class = callback.cls
        assert issubclass(view_class, PortfolioScopedViewSet), route
        address = concrete_url(route, world)
        is_detail = "<" in route
        for method in route_methods(callback):
            before = mine_fingerprint()
            response = getattr(outsider, method)(address, {}, format="json")
            assert mine_fingerprint() == before, f"{method.upper()} {address} changed data for an outsider"
            if view_class.organization_wide:
                stranger = getattr(nobody, method)(address, {}, format="json")
                if is_detail:
                    assert stranger.status_code == 404, address
                elif method == "get":
                    assert rows_of(stranger) == [], address
                else:  # a write to shared reference data: refused, never a row
                    assert stranger.status_code in (400, 403, 404), address
            elif is_detail:
                assert response.status_code == 404, f"{method.upper()} {address}: {response.status_code}"
                if method == "get":
                    assert pm.get(address).status_code == 200, address
            elif method == "get":
                assert response.status_code == 200
                mine = {row["id"] for row in rows_of(pm.get(address))}
                assert mine, f"{address}: the PM should see rows here"
                assert {row["id"] for row in rows_of(response)}.isdisjoint(mine), f"{address} leaks rows"
            else:
                assert response.status_code in (400, 403, 404), f"{method.upper()} {address}: {response.status_code}"
            checked += 1
    assert checked == 26


# -- servers ------------------------------------------------------------------------------------------------


@pytest.fixture
def staff(portfolio):
    user = member(portfolio, Role.PROGRAM_MANAGER, "operator")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_members_see_servers_without_credential_variable_names(world, client_for, staff) -> None:
    (row,) = client_for("ds").get("/api/v1/mlflow-servers/").json()["results"]
    (staff_row,) = staff.get("/api/v1/mlflow-servers/").json()["results"]

    assert row["name"] == "offline" and row["uses_credentials"] is True
    assert "token_env" not in row and "username_env" not in row
    assert staff_row["token_env"] == "LAB_TOKEN"


def test_only_staff_register_and_change_servers(db, client_for, staff, people) -> None:
    body = {"name": "prod", "uri": "https://mlflow.example.org/", "token_env": "PROD_MLFLOW_TOKEN", "is_default": True}

    refused = client_for("pm").post("/api/v1/mlflow-servers/", body, format="json")
    created = staff.post("/api/v1/mlflow-servers/", body, format="json")
    secret = staff.patch(
        f"/api/v1/mlflow-servers/{created.json()['id']}/", {"token_env": "s3cr3t-value!"}, format="json"
    )

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["uri"] == "https://mlflow.example.org" and created.json()["is_default"] is True
    assert secret.status_code == 400  # a secret pasted where a variable name belongs is refused
    assert TrackingServer.objects.get().token_env == "PROD_MLFLOW_TOKEN"
    assert AuditRecord.objects.filter(action="mlflow.server_saved").count() == 1


# -- links, against a real server ----------------------------------------------------------------------------


@pytest.fixture
def lab(db, mlflow_server, portfolio):  # noqa: F811
    server = TrackingServer.objects.create(
        name="lab", uri=mlflow_server.uri, timeout_s=5, max_retries=0, is_default=True
    )
    server.portfolios.add(portfolio)  # a server serves only the portfolios granted
    return server


@pytest.fixture
def seed(mlflow_server, mlflow_namespace):  # noqa: F811
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


def test_a_data_scientist_links_sets_key_metrics_syncs_and_unlinks(
    project, client_for, lab, seed, django_capture_on_commit_callbacks
) -> None:
    experiment_id = seed.experiment("api")
    seed.run(experiment_id, metrics={"val_auc": [0.7, 0.8]})
    base = f"/api/v1/projects/{project.pk}/experiment-links/"
    ds = client_for("ds")

    created = ds.post(base, {"experiment_name": seed.name("api")}, format="json")
    link_id = created.json()["id"]
    patched = ds.patch(f"{base}{link_id}/", {"key_metrics": ["val_auc"]}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        sync = ds.post(f"{base}{link_id}/sync/", format="json")
    after = ds.get(f"{base}{link_id}/").json()

    assert created.status_code == 201
    assert created.json()["experiment_id"] == experiment_id and created.json()["is_stale"] is True
    assert patched.json()["key_metrics"] == ["val_auc"]
    assert sync.status_code == 202 and sync.json()["queued"] is True
    assert (after["sync_status"], after["sync_progress"], after["last_error"], after["is_stale"]) == (
        "idle",
        1,
        "",
        False,
    )
    assert RunMetricPoint.objects.filter(key="val_auc").count() == 2
    assert [row["id"] for row in ds.get(base).json()] == [link_id]
    assert ds.delete(f"{base}{link_id}/").status_code == 204
    assert not ExperimentLink.objects.exists()


def test_model_links_by_name_and_unknown_names_are_refused(project, client_for, lab, seed) -> None:
    run_id = seed.run(seed.experiment("m"))
    name = seed.model("api-model", [run_id])
    base = f"/api/v1/projects/{project.pk}/model-links/"

    missing = client_for("pm").post(base, {"model_name": seed.name("missing")}, format="json")
    created = client_for("pm").post(base, {"model_name": name}, format="json")

    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": "No such registered model on this tracking server."}
    assert created.status_code == 201 and created.json()["model_name"] == name


@pytest.mark.parametrize("who, status", [("architect", 403), ("exec", 403), ("outsider", 404)])
def test_people_who_do_not_link_are_refused(project, client_for, lab, seed, who, status) -> None:
    seed.experiment("refused")
    response = client_for(who).post(
        f"/api/v1/projects/{project.pk}/experiment-links/", {"experiment_name": seed.name("refused")}, format="json"
    )

    assert response.status_code == status
    assert not ExperimentLink.objects.exists()


# -- deployed models and alerts ------------------------------------------------------------------------------


def test_deployed_models_show_thresholds_and_due_status(world, client_for) -> None:
    row = client_for("exec").get(f"/api/v1/deployed-models/?project={world['projects']}").json()["results"][0]

    assert row["name"] == "churn-prod"
    assert row["thresholds"] == [
        {
            "id": row["thresholds"][0]["id"],
            "metric_key": "accuracy",
            "comparator": ">=",
            "threshold": 0.9,
            "severity": "high",
        }
    ]
    assert row["retrain"]["state"] == "ok" and row["revalidation"]["state"] == "ok"
    assert row["approval_valid_days_effective"] == 365


def test_register_a_deployed_model_and_set_a_threshold(project, client_for, offline_server) -> None:
    Project.objects.filter(pk=project.pk).update(phase="closure")
    link = ExperimentLink.objects.create(project=project, server=offline_server, experiment_id="3")
    pm = client_for("pm")

    created = pm.post(
        "/api/v1/deployed-models/",
        {"project": project.pk, "name": "fraud", "monitoring_link": link.pk, "retrain_every_days": 30},
        format="json",
    )
    model_id = created.json()["id"]
    threshold = pm.post(
        f"/api/v1/deployed-models/{model_id}/thresholds/",
        {"metric_key": "latency_p95", "comparator": "<", "threshold": 250, "severity": "medium"},
        format="json",
    )

    assert created.status_code == 201 and created.json()["retrain_every_days"] == 30
    assert threshold.status_code == 200 and threshold.json()["metric_key"] == "latency_p95"
    link.refresh_from_db()
    assert link.key_metrics == ["latency_p95"]


def test_a_link_of_another_project_is_refused_like_a_missing_one(
    project, client_for, offline_server, portfolio, people
) -> None:
    from tests.factories import make_project

    other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-003")
    foreign = ExperimentLink.objects.create(project=other, server=offline_server, experiment_id="5")
    Project.objects.filter(pk=project.pk).update(phase="deployment")

    response = client_for("pm").post(
        "/api/v1/deployed-models/", {"project": project.pk, "name": "x", "monitoring_link": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"monitoring_link": "Not found in this project."}
    assert not DeployedModel.objects.exists()


def test_alerts_are_listed_filtered_acknowledged_and_resolved(world, client_for) -> None:
    alert_id = world["model-alerts"]
    pm, ds = client_for("pm"), client_for("ds")

    listed = ds.get("/api/v1/model-alerts/?unresolved=true&severity=high").json()["results"]
    none_resolved = ds.get("/api/v1/model-alerts/?state=resolved").json()["results"]
    refused = ds.post(f"/api/v1/model-alerts/{alert_id}/acknowledge/", {}, format="json")
    acknowledged = pm.post(f"/api/v1/model-alerts/{alert_id}/acknowledge/", {"note": "Looking"}, format="json")
    missing_reason = pm.post(f"/api/v1/model-alerts/{alert_id}/resolve/", {}, format="json")
    resolved = pm.post(f"/api/v1/model-alerts/{alert_id}/resolve/", {"resolution": "Retrained"}, format="json")
    twice = pm.post(f"/api/v1/model-alerts/{alert_id}/resolve/", {"resolution": "Again"}, format="json")

    assert [row["id"] for row in listed] == [alert_id] and none_resolved == []
    assert listed[0]["owner"]["username"] == "pm" and listed[0]["observed_value"] == 0.8
    assert refused.status_code == 403
    assert acknowledged.json()["state"] == AlertState.ACKNOWLEDGED
    assert missing_reason.status_code == 400
    assert resolved.json()["state"] == AlertState.RESOLVED and resolved.json()["resolution"] == "Retrained"
    assert twice.status_code == 409


def test_evaluate_opens_no_duplicate(world, client_for) -> None:
    response = client_for("pm").post(f"/api/v1/deployed-models/{world['deployed-models']}/evaluate/", format="json")

    assert response.status_code == 200 and response.json() == []
    assert ModelAlert.objects.count() == 1


# -- fuzzing (tests/api/test_schema.py's rounds, over our operations with our ids) ---------------------------


@pytest.mark.django_db
def test_fuzz_our_endpoints_as_a_pm(world, people, wsgi_app) -> None:  # noqa: F811
    _instance, token = AuthToken.objects.create(user=people["pm"])
    schema = schemathesis.openapi.from_dict(generated_schema())
    schema.app = wsgi_app
    headers = {"Authorization": f"Token {token}"}
    fuzzed, answered_2xx = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in FUZZ_METHODS or not any(c in operation.path for c in MY_COLLECTIONS):
            continue
        if "/comments/" in operation.path:  # a model alert's thread belongs to the comments area and its tests
            continue
        for mode, examples, checks in ROUNDS:
            if mode is GenerationMode.NEGATIVE and not (len(operation.body) or len(operation.query)):
                continue
            seen: set[int] = set()
            fuzz_operation(operation, mode, examples, checks, path_parameters(operation.path, world), headers, seen)
            assert 401 not in seen, operation.path
            if any(200 <= code < 300 for code in seen):
                answered_2xx.append(operation.path)
        fuzzed.append(f"{operation.method.upper()} {operation.path}")
    assert len(fuzzed) == 24
    assert len(set(answered_2xx)) >= 10, answered_2xx
