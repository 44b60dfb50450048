"""The OpenAPI schema: valid and complete; Swagger UI from our own static files; fuzzing with schemathesis."""

import pytest
import schemathesis
from drf_spectacular.validation import validate_schema
from knox.models import AuthToken
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from lifecycle import services
from lifecycle.services.gates import ActionInput
from metrics.evidence.models import GateRule
from tests.api.fuzzing import FUZZ_METHODS, ROUNDS, fuzz_operation, generated_schema, path_parameters
from tests.api.metrics_world import metrics_paths
from tests.api.mlflow_world import mlflow_world
from tests.api.routes import api_routes
from tests.factories import BusinessUnitFactory, StrategicGoalFactory, provide_required_artifacts
from tests.metrics.evidence_world import mirrored_world


def test_schema_is_valid_openapi_3_and_covers_every_route():
    schema = generated_schema()
    validate_schema(schema)  # raises on any OpenAPI 3 violation
    assert schema["openapi"].startswith("3.")
    documented = set(schema["paths"])
    routed = {
        # drf-spectacular names a router's <pk> after the model field: {id}
        "/" + route.replace("<pk>", "{id}").replace("<int:", "{").replace("<", "{").replace(">", "}")
        for route, _callback in api_routes()
    }
    assert routed == documented


def test_every_operation_documents_its_success_and_its_errors():
    for path, operations in generated_schema()["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert any(code.startswith("2") for code in codes), f"{method} {path}"
            if path != "/api/v1/auth/token/":
                assert "401" in codes, f"{method} {path} does not document 401"
            if "{" in path:
                assert "404" in codes, f"{method} {path} does not document 404"
            if method in {"post", "put", "patch"} and operation.get("requestBody"):
                assert "400" in codes, f"{method} {path} does not document 400"


@pytest.mark.django_db
def test_schema_and_swagger_ui_are_served_without_a_cdn():
    client = APIClient()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/projects/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


# --- fuzzing ---------------------------------------------------------------------------------


@pytest.fixture
def fuzz_world(project, people):
    """Real ids for every path parameter, so generated requests reach the views instead of 404."""
    provide_required_artifacts(project, people["pm"])
    decided = services.gate_review_request(actor=people["pm"], project=project)
    services.gate_decide(
        actor=people["exec"],
        review=decided,
        decision="recycle",
        actions=[ActionInput(description="Redo", owner_id=people["pm"].pk)],
    )
    open_review = services.gate_review_request(actor=people["pm"], project=project)
    unit, goal = BusinessUnitFactory(name="Retail"), StrategicGoalFactory(name="Grow")
    mirrored_world(project, people, review=open_review)
    rule = GateRule.objects.create(portfolio=project.portfolio, phase=open_review.phase, kind="all_runs_finished")
    return {
        "projects": project.pk,
        "activities": project.activities.filter(is_gate=False).first().pk,
        "gate-reviews": open_review.pk,
        "gate-actions": decided.actions.get().pk,
        "artifact-versions": project.artifacts.first().versions.first().pk,
        "portfolios": project.portfolio_id,
        "business-units": unit.pk,
        "strategic-goals": goal.pk,
        "gate-rules": rule.pk,
        **mlflow_world(project, people),
    }


@pytest.mark.django_db
def test_fuzz_read_and_write_endpoints_as_a_pm(fuzz_world, people, wsgi_app):
    _instance, token = AuthToken.objects.create(user=people["pm"])
    schema = schemathesis.openapi.from_dict(generated_schema())
    schema.app = wsgi_app
    headers = {"Authorization": f"Token {token}"}
    fuzzed_elsewhere = metrics_paths()  # tests/api/test_metrics_contract.py fuzzes these, with its own world
    fuzzed = []
    answered_2xx = []  # proof the fuzzing reached the views, not only the authentication
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in FUZZ_METHODS or operation.path.startswith("/api/v1/auth/"):
            continue
        if operation.path in fuzzed_elsewhere:
            continue
        for mode, examples, checks in ROUNDS:
            if mode is GenerationMode.NEGATIVE and not (len(operation.body) or len(operation.query)):
                continue  # only fixed path ids: nothing to make invalid
            seen: set[int] = set()
            fuzz_operation(
                operation, mode, examples, checks, path_parameters(operation.path, fuzz_world), headers, seen
            )
            assert 401 not in seen, operation.path
            if any(200 <= code < 300 for code in seen):
                answered_2xx.append(operation.path)
        fuzzed.append(f"{operation.method.upper()} {operation.path}")
    assert len(fuzzed) >= 30
    assert len(answered_2xx) >= 20, answered_2xx
