"""Walks EVERY registered API route as an outsider: details and sub-resources are 404, lists hold
none of the portfolio's rows, and nothing changes. A new route fails here until it is scoped (it
must derive from portal.api_base.PortfolioScopedViewSet) and its ids are known to this walker.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from lifecycle import services
from lifecycle.services.gates import ActionInput
from portfolio.api.base import PortfolioScopedViewSet
from tests.api.conftest import db_fingerprint
from tests.api.mlflow_world import mlflow_world
from tests.api.test_metrics_world import budget_import_registered, build_world
from tests.factories import BusinessUnitFactory, StrategicGoalFactory, UserFactory, provide_required_artifacts

API_PREFIX = "api/v1/"
# Not portfolio data: the login itself and the logout of one's own token.
UNSCOPED_ROUTES = {"api/v1/auth/token/", "api/v1/auth/logout/"}
PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def normalized(route: str) -> str:
    """Router regexes (^projects/(?P<pk>[^/.]+)/$) written like path() routes (projects/<pk>/)."""
    return REGEX_GROUP.sub(r"<\g<name>>", route.replace("^", "").replace("$", ""))


def api_routes() -> list[tuple[str, object]]:
    """(route template, view callback) for every URL pattern under /api/v1/, from the live resolver."""
    found: list[tuple[str, object]] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = normalized(prefix + str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith(API_PREFIX):
                found.append((route, pattern.callback))

    walk(get_resolver().url_patterns, "")
    return found


@pytest.fixture
def world(project, people):
    """One row of every kind in the PM's portfolio."""
    from metrics.evidence.models import GateRule
    from metrics.evidence.services.reviews import evidence_attach_run
    from tests.metrics.evidence_world import mirrored_world

    provide_required_artifacts(project, people["pm"])
    review = services.gate_review_request(actor=people["pm"], project=project)
    mirrored = mirrored_world(project, people, review=review)
    evidence = evidence_attach_run(actor=people["ds"], review=review, run_id=mirrored.run_ids["rf-200"])
    rule = GateRule.objects.create(portfolio=project.portfolio, phase=review.phase, kind="all_runs_finished")
    services.gate_vote(actor=people["exec"], review=review, vote="recycle")
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision="recycle",
        actions=[ActionInput(description="Redo", owner_id=people["ds"].pk)],
    )
    ids = {
        "projects": project.pk,
        "activities": project.activities.first().pk,
        "gate-reviews": review.pk,
        "gate-actions": review.actions.get().pk,
        "artifact-versions": project.artifacts.first().versions.first().pk,
        "portfolios": project.portfolio_id,
        "business-units": BusinessUnitFactory(name="Retail").pk,
        "strategic-goals": StrategicGoalFactory(name="Grow").pk,
        "gate-rules": rule.pk,
        "evidence": evidence.pk,
        **mlflow_world(project, people),
    }
    # Metrics inputs, snapshots and the registry; "imports" names an import kind registered for the test.
    with budget_import_registered() as kind:
        yield {**ids, **build_world(project, people), "imports": kind}


def concrete_url(route: str, ids: dict[str, int | str]) -> str:
    """Fill each <int:...> with the id of the object the segment before it names."""
    segments = route.split("/")
    for index, segment in enumerate(segments):
        match = PARAM.fullmatch(segment)
        if not match:
            continue
        name = match["name"]
        if name == "number":  # charter version number: the first version always exists
            segments[index] = "1"
        else:
            collection = segments[index - 1]
            assert collection in ids, f"{route}: teach test_scoping which object '{collection}/<{name}>' names"
            segments[index] = str(ids[collection])
    return "/" + "/".join(segments)


def route_methods(callback) -> list[str]:
    actions = getattr(callback, "actions", None)
    assert actions, f"{callback} is not a viewset: API routes are viewsets on the scoped base"
    # DRF adds "head" (same as GET) to the map once the view has served a request: GET covers it.
    return sorted(set(actions) - {"head", "options"})


def result_ids(response) -> set:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row["id"] for row in rows}


def test_the_walker_sees_every_endpoint():
    routes = {route for route, _ in api_routes()}
    # lifecycle and organization 29, metrics inputs/imports/snapshots 45, MLflow links/models 16, evidence 6
    assert len(routes) == 96
    assert "api/v1/projects/<int:project_pk>/charter/" in routes


@pytest.mark.django_db
def test_every_route_is_scoped_to_the_users_portfolios(world, client_for):
    outsider, pm = client_for("outsider"), client_for("pm")
    nobody = APIClient()
    nobody.force_authenticate(UserFactory(username="no-role"))
    checked = 0
    for route, callback in api_routes():
        if route in UNSCOPED_ROUTES:
            continue
        view_class = callback.cls
        assert issubclass(view_class, PortfolioScopedViewSet), f"{route}: {view_class} is not portfolio-scoped"
        url = concrete_url(route, world)
        is_detail = "<" in route
        organization_wide = view_class.organization_wide
        for method in route_methods(callback):
            before = db_fingerprint()
            response = getattr(outsider, method)(url, {}, format="json")
            assert db_fingerprint() == before, f"{method.upper()} {url} changed data for an outsider"
            if organization_wide:
                # shared reference data: hidden only from people with no role anywhere
                stranger = getattr(nobody, method)(url)
                if is_detail:
                    assert stranger.status_code == 404, url
                elif method == "get":
                    assert result_ids(stranger) == set(), url
                else:  # a write to shared reference data (staff only): refused, never a row
                    assert stranger.status_code in (400, 403, 404), url
            elif is_detail:
                assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
                if method == "get":
                    assert pm.get(url).status_code in (200, 302), f"{url} is not readable by its PM"
            elif method == "get":
                assert response.status_code == 200
                mine = result_ids(pm.get(url))
                assert mine, f"{url}: the PM should see rows here"
                assert result_ids(response).isdisjoint(mine), f"{url} leaks rows to an outsider"
            else:
                assert response.status_code in (400, 403, 404), f"{method.upper()} {url}: {response.status_code}"
            checked += 1
    assert checked >= 35
