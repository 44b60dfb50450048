"""Input limits (issue "Nothing leaks, nothing breaks", points 4 and 5): integers beyond 64 bits are refused naming
the field, searches are capped, every path under /api/ answers JSON with DEBUG on or off, OPTIONS with a body is no
500, the OpenAPI schema carries the bounds the views enforce, and a gate rule is deactivated, never deleted."""

import django_filters
import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from lifecycle.models import AuditRecord
from metrics.deployments.models import DeployedModel
from metrics.evidence.models import GateRule
from portal.filters import SEARCH_MAX
from portal.serializers import MAX_ID
from portfolio.choices import Role
from tests.api.fuzzing import generated_schema
from tests.factories import PortfolioFactory, make_project, member

BEYOND_64_BITS = str(MAX_ID + 1)  # 9223372036854775808: an OverflowError in the database adapter, once a 500
LONG_SEARCH = "x" * 60_000  # SQLite refuses LIKE patterns past 50,000 bytes, once a 500


@pytest.fixture(scope="module")
def schema():
    return generated_schema()


def _numeric_query_parameters(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                kind = parameter["schema"].get("type")
                if parameter["in"] == "query" and kind in {"integer", "number"} and parameter["name"] != "page":
                    yield method, path, parameter


# --- integers beyond 64 bits ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_numeric_filter_refuses_a_number_beyond_64_bits_naming_the_field(schema, pm_client, project):
    """Walks the schema: a new filter is held to this without being listed here."""
    model = DeployedModel.objects.create(project=project, name="scorer", deployed_at=timezone.now())
    checked = set()
    for method, path, parameter in _numeric_query_parameters(schema):
        assert "maximum" in parameter["schema"], f"{path} ?{parameter['name']} documents no maximum"
        url = path.replace("{project_pk}", str(project.pk)).replace("{id}", str(model.pk))
        response = getattr(pm_client, method)(f"{url}?{parameter['name']}={BEYOND_64_BITS}")
        assert response.status_code == 400, f"{method.upper()} {url}?{parameter['name']}: {response.status_code}"
        assert response.json()["code"] == "invalid"
        assert parameter["name"] in response.json()["errors"], url
        checked.add((method, path, parameter["name"]))
    # the probe's findings, among the 40-odd checked
    assert {
        ("get", "/api/v1/deployed-models/", "project"),
        ("get", "/api/v1/model-alerts/", "project"),
        ("get", "/api/v1/gate-rules/", "project"),
        ("get", "/api/v1/deployed-models/{id}/thresholds/", "project"),
        ("post", "/api/v1/deployed-models/{id}/evaluate/", "project"),
    } <= checked
    assert len(checked) >= 40


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/projects/{big}/",
        "/api/v1/projects/{big}/charter/",
        "/api/v1/projects/{big}/issues/",
        "/api/v1/gate-rules/{big}/",
        "/api/v1/deployed-models/{big}/thresholds/",
    ],
)
def test_an_id_beyond_64_bits_in_the_path_is_a_json_404(pm_client, project, path):
    response = pm_client.get(path.format(big=BEYOND_64_BITS))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.django_db
def test_a_body_id_beyond_64_bits_is_refused_naming_the_field(pm_client, project, people):
    url = f"/api/v1/projects/{project.pk}/issues/"
    response = pm_client.post(url, {"title": "Late", "severity": "low", "owner": int(BEYOND_64_BITS)}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["owner"]


# --- searches ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_project_search_is_capped_on_the_api(pm_client, project):
    refused = pm_client.get("/api/v1/projects/", {"q": LONG_SEARCH})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "q": [f"Ensure this value has at most {SEARCH_MAX} characters (it has {len(LONG_SEARCH)})."]
    }
    longest = pm_client.get("/api/v1/projects/", {"q": "x" * SEARCH_MAX})
    assert longest.status_code == 200 and longest.json()["results"] == []
    found = pm_client.get("/api/v1/projects/", {"q": project.code})
    assert [row["id"] for row in found.json()["results"]] == [project.pk]


@pytest.mark.django_db
def test_the_run_search_is_capped_on_the_api(pm_client, project):
    refused = pm_client.get(f"/api/v1/projects/{project.pk}/runs/", {"q": LONG_SEARCH})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"q": f"At most {SEARCH_MAX} characters."}
    assert pm_client.get(f"/api/v1/projects/{project.pk}/runs/", {"q": "x" * SEARCH_MAX}).status_code == 200


@pytest.mark.django_db
def test_the_pages_answer_an_overlong_search_with_a_form_error(client, people, project):
    client.force_login(people["pm"])
    listed = client.get("/projects/", {"q": LONG_SEARCH})
    assert listed.status_code == 200
    assert listed.context["filterset"].errors == {
        "q": [f"Ensure this value has at most {SEARCH_MAX} characters (it has {len(LONG_SEARCH)})."]
    }
    assert 'data-testid="search-error"' in listed.content.decode()  # shown on the form, not silently ignored
    dashboard = client.get("/dashboards/portfolio/", {"project": LONG_SEARCH})
    assert dashboard.status_code == 200
    assert f"Ensure this value has at most {SEARCH_MAX} characters" in dashboard.content.decode()


# --- JSON for every path under /api/ ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/projects/abc/"),
        ("get", "/api/v1/projects/abc/charter/"),
        ("get", "/api/v1/projects/1.5/"),
        ("get", "/api/v1/gate-reviews/abc/evidence/"),
        ("get", "/api/v1/no-such-thing/"),
        ("get", "/api/v1/projects"),  # no trailing slash: no redirect (a POST there was a 500 with DEBUG on)
        ("post", "/api/v1/projects"),
        ("delete", "/api/v2/projects/1/"),
        ("get", "/api/"),
    ],
)
def test_unknown_paths_and_non_numeric_ids_get_a_json_404(settings, pm_client, method, path, debug):
    settings.DEBUG = debug
    response = getattr(pm_client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.django_db
def test_an_anonymous_post_to_an_unknown_path_is_a_json_404_not_a_csrf_page(settings):
    settings.DEBUG = True
    response = Client(enforce_csrf_checks=True).post("/api/v1/nothing/", {"a": 1})
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_catch_all_is_the_last_api_route_and_outside_v1():
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")
    assert api.url_patterns[-1].name == "api-not-found"
    assert all(getattr(p, "name", None) != "api-not-found" for p in api.url_patterns[:-1])


# --- OPTIONS ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "projects/{project}/raci/",
        "projects/{project}/charter/",
        "projects/{project}/artifacts/",
        "projects/{project}/activities/",
        "projects/{project}/",
        "projects/",
        "gate-rules/",
    ],
)
def test_options_with_a_body_describes_the_route_without_a_500(pm_client, project, path):
    url = "/api/v1/" + path.format(project=project.pk)
    response = pm_client.options(url, {"cells": [{"activity": 1}]}, format="json")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["renders"] == ["application/json", "text/html"] and "actions" not in body
    assert pm_client.options(url).status_code == 200


@pytest.mark.django_db
def test_options_on_another_portfolios_project_is_a_404(client_for, project):
    assert client_for("outsider").options(f"/api/v1/projects/{project.pk}/raci/", {}, format="json").status_code == 404


# --- the schema carries the bounds ------------------------------------------------------------------------------


def test_every_path_id_is_documented_from_1_to_max_id(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    bounds = (parameter["schema"].get("minimum"), parameter["schema"].get("maximum"))
                    assert bounds == (1, MAX_ID), f"{method.upper()} {path} {{{parameter['name']}}}"


def test_id_filters_and_searches_document_their_bounds(schema):
    def parameter(path, name):
        return next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)["schema"]

    assert parameter("/api/v1/deployed-models/", "project") == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    assert parameter("/api/v1/gate-rules/", "portfolio") == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    assert parameter("/api/v1/projects/", "portfolio") == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    assert parameter("/api/v1/projects/", "q") == {"type": "string", "maxLength": SEARCH_MAX}
    assert parameter("/api/v1/projects/{project_pk}/runs/", "q") == {"type": "string", "maxLength": SEARCH_MAX}
    assert parameter("/api/v1/projects/", "page") == {"type": "integer", "minimum": 1}


def _all_filtersets():
    get_resolver().url_patterns  # noqa: B018  # importing every urlconf imports every FilterSet
    found, todo = set(), [django_filters.FilterSet]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.add(subclass)
            todo.append(subclass)
    return found


def test_every_text_and_number_filter_is_bounded():
    """Unbounded filters reach the database as given: a 60 KB LIKE, an integer it cannot hold."""
    filtersets = _all_filtersets()
    assert len(filtersets) >= 20
    for filterset in filtersets:
        for name, field in filterset.base_filters.items():
            where = f"{filterset.__module__}.{filterset.__name__}.{name}"
            if isinstance(field, django_filters.CharFilter):
                assert field.extra.get("max_length"), f"{where} has no max_length"
            if isinstance(field, django_filters.NumberFilter):
                assert field.extra.get("min_value") is not None, f"{where} has no min_value"
                assert field.extra.get("max_value") is not None, f"{where} has no max_value"


def _unbounded(node, where):
    if not isinstance(node, dict) or "$ref" in node or node.get("readOnly"):
        return []
    found = []
    kind = node.get("type")
    if kind == "string" and not ({"enum", "format", "maxLength"} & set(node)):
        found.append(f"{where}: text without maxLength")
    if kind in {"integer", "number"} and not {"minimum", "maximum"} <= set(node):
        found.append(f"{where}: number without minimum and maximum")
    for name, child in node.get("properties", {}).items():
        found += _unbounded(child, f"{where}.{name}")
    if "items" in node:
        found += _unbounded(node["items"], f"{where}[]")
    for index, child in enumerate(node.get("allOf", []) + node.get("oneOf", [])):
        found += _unbounded(child, f"{where}#{index}")
    return found


def test_every_request_body_field_is_documented_with_its_bounds(schema):
    """Ids (related fields) from 1 to MAX_ID, numbers with a range, text with a maximum length."""
    unbounded = []
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            unbounded += _unbounded(component, name)
    assert unbounded == []


def test_the_project_create_body_documents_its_ids(schema):
    properties = schema["components"]["schemas"]["ProjectCreateRequest"]["properties"]
    for name in ("portfolio", "owner", "sponsor", "business_unit", "strategic_goal"):
        assert (properties[name]["minimum"], properties[name]["maximum"]) == (1, MAX_ID), name


# --- gate rules: deactivated, never deleted ---------------------------------------------------------------------


@pytest.fixture
def rule(project):
    return GateRule.objects.create(portfolio=project.portfolio, phase="modeling", kind="all_runs_finished")


def test_gate_rules_offer_deactivate_and_no_delete(schema):
    assert "delete" not in schema["paths"]["/api/v1/gate-rules/{id}/"]
    deactivate = schema["paths"]["/api/v1/gate-rules/{id}/deactivate/"]["post"]
    assert "requestBody" not in deactivate
    assert {"200", "403", "404"} <= set(deactivate["responses"])


@pytest.mark.django_db
def test_delete_is_not_offered_and_changes_nothing(pm_client, rule):
    response = pm_client.delete(f"/api/v1/gate-rules/{rule.pk}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    rule.refresh_from_db()
    assert rule.is_active is True


@pytest.mark.django_db
def test_deactivate_keeps_the_rule_readable_and_audited(pm_client, rule, people):
    response = pm_client.post(f"/api/v1/gate-rules/{rule.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["id"] == rule.pk and response.json()["is_active"] is False
    kept = pm_client.get(f"/api/v1/gate-rules/{rule.pk}/")
    assert kept.status_code == 200 and kept.json()["is_active"] is False
    record = AuditRecord.objects.get(action="gate_rule.update")
    assert record.actor == people["pm"]
    assert (record.before["is_active"], record.after["is_active"]) == (True, False)
    again = pm_client.post(f"/api/v1/gate-rules/{rule.pk}/deactivate/")
    assert again.status_code == 200 and AuditRecord.objects.filter(action="gate_rule.update").count() == 1


@pytest.mark.django_db
def test_deactivate_is_refused_to_non_managers_and_hidden_from_outsiders(client_for, rule):
    assert client_for("ds").post(f"/api/v1/gate-rules/{rule.pk}/deactivate/").status_code == 403
    assert client_for("outsider").post(f"/api/v1/gate-rules/{rule.pk}/deactivate/").status_code == 404
    rule.refresh_from_db()
    assert rule.is_active is True
    assert not AuditRecord.objects.filter(action="gate_rule.update").exists()


@pytest.mark.django_db
def test_the_rule_filters_do_not_tell_which_ids_exist_elsewhere(client_for, rule, people):
    other = PortfolioFactory(name="Elsewhere", slug="elsewhere")
    elsewhere = make_project(portfolio=other, owner=member(other, Role.PROJECT_MANAGER, "pm2"), code="ELS-001")
    pm = client_for("pm")
    for project_id in (elsewhere.pk, elsewhere.pk + 1000):  # another portfolio's project, and no project at all
        response = pm.get("/api/v1/gate-rules/", {"project": project_id})
        assert response.status_code == 200 and response.json()["results"] == []
