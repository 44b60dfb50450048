"""The metrics API against the contract every API route keeps: scoped to the user's portfolios (walked as an
outsider and as someone with no role), documented in the schema, and list queries constant in the number of rows.
(schemathesis fuzzes these operations with all the others: tests/security/test_schemathesis.py.)"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portfolio.api.base import PortfolioScopedViewSet
from tests.api.fuzzing import generated_schema
from tests.api.metrics_world import (
    budget_import_registered,
    build_product,
    build_scrum,
    build_world,
    everything,
    make_snapshot,
    metrics_paths,
    metrics_routes,
)
from tests.api.routes import UNSCOPED_ROUTES, concrete_url, result_ids, route_methods
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(project, people):
    with budget_import_registered() as kind:
        ids = build_world(project, people)
        ids["imports"] = kind
        yield ids


def test_the_metrics_routes():
    routes = {route for route, _ in metrics_routes()}
    assert {
        "api/v1/projects/<int:project_pk>/budget-periods/",
        "api/v1/projects/<int:project_pk>/cost-entries/",
        "api/v1/cost-entries/<pk>/",
        "api/v1/projects/<int:project_pk>/allocations/",
        "api/v1/projects/<int:project_pk>/time-entries/",
        "api/v1/capacities/",
        "api/v1/projects/<int:project_pk>/status-reports/",
        "api/v1/projects/<int:project_pk>/risks/",
        "api/v1/risks/<pk>/",
        "api/v1/risks/<pk>/close/",
        "api/v1/projects/<int:project_pk>/issues/",
        "api/v1/issues/<pk>/close/",
        "api/v1/projects/<int:project_pk>/benefits/",
        "api/v1/benefits/<pk>/measurements/",
        "api/v1/teams/",
        "api/v1/sprints/<pk>/start/",
        "api/v1/sprints/<pk>/close/",
        "api/v1/sprints/<pk>/reopen/",
        "api/v1/work-items/<pk>/",
        "api/v1/work-items/<pk>/changes/",
        "api/v1/retro-actions/<pk>/close/",
        "api/v1/mood-votes/",
        "api/v1/products/",
        "api/v1/products/<int:product_pk>/events/",
        "api/v1/customers/",
        "api/v1/orders/",
        "api/v1/marketing-spend/",
        "api/v1/survey-responses/",
        "api/v1/imports/",
        "api/v1/imports/<kind>/",
        "api/v1/metric-snapshots/",
        "api/v1/metric-snapshots/<pk>/",
        "api/v1/metrics/",
        "api/v1/metrics/<key>/",
        "api/v1/projects/<int:project_pk>/rag-override/",
    } <= routes
    assert len(routes) == 47  # 45 + projects/{id}/rag-override/ + products/{id}/funnel/ (added alongside)


def test_every_metrics_route_is_scoped_to_the_users_portfolios(world, client_for):
    """test_scoping's walk, over the metrics routes with ids of metrics rows."""
    outsider, pm = client_for("outsider"), client_for("pm")
    nobody = APIClient()
    nobody.force_authenticate(UserFactory(username="no-role"))
    checked = 0
    for route, callback in metrics_routes():
        assert route not in UNSCOPED_ROUTES
        view_class = callback.cls
        assert issubclass(view_class, PortfolioScopedViewSet), route
        url = concrete_url(route, world)
        is_detail = "<" in route
        for method in route_methods(callback):
            before = everything()
            response = getattr(outsider, method)(url, {}, format="json")
            assert everything() == before, f"{method.upper()} {url} changed data for an outsider"
            if view_class.organization_wide:
                stranger = getattr(nobody, method)(url)
                assert everything() == before
                if is_detail:
                    assert stranger.status_code == 404, url
                    if method == "get":
                        assert pm.get(url).status_code == 200, url
                else:
                    assert stranger.status_code == 200 and stranger.json() == [], url
                    assert pm.get(url).json(), url
            elif is_detail:
                assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
                if method == "get":
                    assert pm.get(url).status_code == 200, f"{url} is not readable by its PM"
            elif method == "get":
                assert response.status_code == 200
                mine = result_ids(pm.get(url))
                assert mine, f"{url}: the PM should see rows here"
                assert result_ids(response).isdisjoint(mine), f"{url} leaks rows to an outsider"
            else:
                assert response.status_code in (400, 403, 404), f"{method.upper()} {url}: {response.status_code}"
            checked += 1
    assert checked >= 60


def test_every_metrics_operation_documents_its_errors():
    paths = generated_schema()["paths"]
    paths_of_metrics = metrics_paths()
    assert paths_of_metrics <= set(paths)
    for path in paths_of_metrics:
        for method, operation in paths[path].items():
            codes = set(operation["responses"])
            assert "401" in codes and any(code.startswith("2") for code in codes), f"{method} {path}"
            if "{" in path:
                assert "404" in codes, f"{method} {path}"
            if method in {"post", "put", "patch"} and operation.get("requestBody"):
                assert {"400", "403"} <= codes, f"{method} {path}"


# --- query counts -----------------------------------------------------------------------------------------------

LISTS = (
    "/api/v1/projects/{project}/budget-periods/",
    "/api/v1/projects/{project}/cost-entries/",
    "/api/v1/projects/{project}/allocations/",
    "/api/v1/projects/{project}/time-entries/",
    "/api/v1/capacities/",
    "/api/v1/projects/{project}/status-reports/",
    "/api/v1/projects/{project}/risks/",
    "/api/v1/projects/{project}/issues/",
    "/api/v1/projects/{project}/benefits/",
    "/api/v1/teams/",
    "/api/v1/sprints/",
    "/api/v1/work-items/",
    "/api/v1/retro-actions/",
    "/api/v1/mood-votes/",
    "/api/v1/products/",
    "/api/v1/products/{product}/events/",
    "/api/v1/customers/",
    "/api/v1/orders/",
    "/api/v1/marketing-spend/",
    "/api/v1/survey-responses/",
    "/api/v1/metric-snapshots/",
)


def _grow(project, people, start: int, stop: int, first_product) -> None:
    """Rows number start..stop-1 of every list, through the services (one team and product per step)."""
    import datetime

    from metrics.portfolio_inputs.services import benefits, health
    from metrics.portfolio_inputs.services import resources as services
    from metrics.product import services as product_services
    from portfolio.choices import Role
    from tests.factories import member

    pm = people["pm"]
    for n in range(start, stop):
        month = datetime.date(2020 + n // 12, n % 12 + 1, 1)
        services.budget_set(actor=pm, project=project, period_start=month, amount="10")
        services.cost_entry_add(actor=pm, project=project, day=month, amount="5")
        person = member(project.portfolio, Role.DATA_SCIENTIST, f"dev{n}")
        services.allocation_set(actor=pm, person=person, project=project, week=datetime.date(2026, 3, 2), hours="8")
        services.time_entry_add(actor=pm, person=person, project=project, day=month, hours="2")
        services.capacity_set(actor=pm, person=person, week=datetime.date(2026, 3, 2), working_hours="40")
        health.status_report_submit(actor=pm, project=project, as_of=month, schedule="green")
        health.risk_add(actor=pm, project=project, title=f"R{n}", probability="0.1", impact=2, owner=person)
        health.issue_open(actor=pm, project=project, title=f"I{n}", severity="low", owner=person)
        benefits.benefit_add(actor=pm, project=project, name=f"B{n}")
        build_scrum(project, people, suffix=f"-{n}")
        build_product(project, people, suffix=f"-{n}")
        product_services.product_events_add(
            actor=pm, product=first_product, events=[{"user_id": f"u{n}", "name": "score", "at": "2026-03-02T10:00"}]
        )
        make_snapshot(project, metric="spi", period=f"p{n}")


def _counts(client, project, product) -> dict[str, int]:
    counts = {}
    for template in LISTS:
        url = template.format(project=project.pk, product=product.pk)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_list_queries_do_not_grow_with_rows(project, people, client_for):
    from metrics.product import services as product_services

    product = product_services.product_create(actor=people["pm"], project=project, name="Main")
    client = client_for("pm")
    _grow(project, people, 0, 5, product)
    with_5 = _counts(client, project, product)
    _grow(project, people, 5, 50, product)
    with_50 = _counts(client, project, product)
    assert with_50 == with_5
    for template in LISTS:  # the 50 rows are all on the first page, so the counts compare whole lists
        url = template.format(project=project.pk, product=product.pk)
        body = client.get(url).json()
        assert body["count"] >= 50, url
