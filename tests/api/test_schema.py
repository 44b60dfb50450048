"""The OpenAPI schema: valid and complete; Swagger UI from our own static files; yes/no filters strict.

schemathesis runs over every operation in tests/security/test_schemathesis.py."""

import pytest
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from metrics.deployments.models import DeployedModel
from tests.api.fuzzing import generated_schema
from tests.api.routes import api_routes


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


@pytest.mark.django_db
def test_every_yes_no_filter_refuses_a_misspelling_naming_the_field(pm_client, project):
    """Walks the schema: django-filter's own yes/no filter read `?is_active=abc` as "any" and listed everything."""
    model = DeployedModel.objects.create(project=project, name="scorer", deployed_at=timezone.now())
    checked = []
    for path, operations in generated_schema()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] != "query" or parameter["schema"].get("type") != "boolean":
                continue
            url = path.replace("{project_pk}", str(project.pk)).replace("{id}", str(model.pk))
            refused = pm_client.get(url, {parameter["name"]: "abc"})
            assert refused.status_code == 400, f"{url}?{parameter['name']}=abc: {refused.status_code}"
            assert list(refused.json()["errors"]) == [parameter["name"]], url
            for spelling in ("true", "False", "1", "0"):  # (a detail route may then find nothing: a 404)
                assert pm_client.get(url, {parameter["name"]: spelling}).status_code != 400, (url, spelling)
            checked.append(f"{path}?{parameter['name']}")
    assert len(checked) >= 6, checked
