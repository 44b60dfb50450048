"""Walks EVERY registered API route as an outsider: details and sub-resources are 404, lists hold
none of the portfolio's rows, and nothing changes. A new route fails here until it is scoped (it
must derive from portal.api_base.PortfolioScopedViewSet) and its ids are known to this walker.
"""

import pytest
from rest_framework.test import APIClient

from collaboration.comments.services import comment_create
from lifecycle import services
from lifecycle.services.gates import ActionInput
from portfolio.api.base import PortfolioScopedViewSet
from tests.api.conftest import db_fingerprint
from tests.api.metrics_world import budget_import_registered, build_world
from tests.api.mlflow_world import mlflow_world
from tests.api.routes import UNSCOPED_ROUTES, api_routes, concrete_url, result_ids, route_methods
from tests.factories import BusinessUnitFactory, StrategicGoalFactory, UserFactory, provide_required_artifacts


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
        "evidence-requests": evidence.pk,  # any id: the review is looked up first, so outsiders get 404 before it
        "artifacts": project.artifacts.first().pk,
        "comments": comment_create(actor=people["pm"], target=review, body="Ready").pk,
        **mlflow_world(project, people),
        **webhook_world(project, people),
    }
    # Metrics inputs, snapshots and the registry; "imports" names an import kind registered for the test.
    with budget_import_registered() as kind:
        yield {**ids, **build_world(project, people), "imports": kind}


def webhook_world(project, people) -> dict[str, int]:
    """A webhook of the PM's portfolio with one delivery (rows made directly: no DNS, nothing sent)."""
    from django.utils import timezone

    from collaboration.events.models import Event
    from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription

    subscription = WebhookSubscription.objects.create(
        portfolio=project.portfolio,
        url="https://hooks.example.com/stagegate",
        event_types=["project.state_changed"],
        secret="whsec_" + "A" * 32,
        created_by=people["pm"],
        created_at=timezone.now(),
    )
    event = Event.objects.filter(portfolio=project.portfolio).first()
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event, created_at=timezone.now())
    return {"webhooks": subscription.pk, "deliveries": delivery.pk}


def test_the_walker_sees_every_endpoint():
    routes = {route for route, _ in api_routes()}
    # lifecycle and organization 29, metrics inputs/imports/snapshots 47 (with projects/{id}/rag-override/ and
    # products/{id}/funnel/), MLflow links/models 16, evidence 9 (with gate-rules/{id}/deactivate/ and a review's
    # evidence-requests/ and its withdraw/), one's own API tokens 3 (tokens/, tokens/{id}/, auth/logout-all/),
    # the inbox 1
    # one's own notifications 4 (notifications/, its {id}/read/ and read-all/, notification-preferences/),
    # comments 5 (the threads of a gate review, a charter, an artifact and a model alert, and comments/{id}/)
    # a portfolio's webhooks 5 (webhooks/, {id}/, {id}/deliveries/, {id}/deliveries/{delivery_pk}/redeliver/,
    # {id}/ping/)
    assert len(routes) == 119
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
