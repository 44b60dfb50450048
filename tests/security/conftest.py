"""The security world, seeded ONCE for this package: two portfolios with one object of every kind, and one user
per role.

- "own" (portfolio "Applied Machine Learning", project OWN-001) and "other" (portfolio "Kestrel Labs",
  project KST-777 "Kestrel secret"): each holds a project with activities, artifact versions, charter and RACI,
  a decided gate review with a gate action, an open gate review with MLflow evidence attached, a gate rule,
  MLflow links, a mirrored run, a deployed model with an alert, every metrics input, teams, sprints, products,
  a metric snapshot, a webhook with one delivery. Every name in "other" contains "Kestrel", so a page that shows
  one of its rows to a non-member is caught by looking for that word.
- users: one per portfolio role (username = the role's value, e.g. "project_manager") holding that role in
  "own" only; "outsider", a project manager of a third portfolio ("Outer Rim": a manager elsewhere is the
  strongest outsider, since manager-only code paths run for them); "superuser"; each with one API token.

The seeding runs inside a transaction that stays open while the package runs and is rolled back after it; each
test's own transaction nests inside it as a savepoint. Tests here use ``pytest.mark.django_db`` and never
``transaction=True`` (that would flush the shared rows).

Contract (shared with tests/security/test_schemathesis.py; keep the names stable):
``security_world.users[role] -> User`` for every name in ROLE_NAMES but "anonymous";
``security_world.own[collection]`` / ``.other[collection]`` -> the id of that portfolio's object, collection
being the URL segment before the id (as tests/api/routes.concrete_url uses them), plus "decided-gate-reviews";
``security_world.tokens[role]`` -> the id of that user's own API token (portal.models.ApiToken).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from portfolio.choices import Role

# The roles the matrix runs: nobody signed in, a signed-in stranger, each portfolio role, a superuser.
PORTFOLIO_ROLES: tuple[str, ...] = tuple(Role.values)
ROLE_NAMES: tuple[str, ...] = ("anonymous", "outsider", *PORTFOLIO_ROLES, "superuser")

OTHER_MARK = "Kestrel"  # every row of the "other" portfolio carries it in its name
OWN_PROJECT_CODE = "OWN-001"
OTHER_PROJECT_CODE = "KST-777"


@dataclass(frozen=True)
class SecurityWorld:
    users: dict[str, Any]  # role name -> User ("anonymous" has none)
    own: dict[str, int | str]  # collection -> id, in the portfolio where every role user holds its role
    other: dict[str, int | str]  # collection -> id, in a portfolio none of them belongs to
    tokens: dict[str, int] = field(default_factory=dict)  # role name -> id of that user's own API token
    notifications: dict[str, int] = field(default_factory=dict)  # role name -> id of one of that user's notifications

    def ids(self, side: str) -> dict[str, int | str]:
        return self.own if side == "own" else self.other


def _portfolio_objects(portfolio, people: dict[str, Any], *, code: str, name: str, suffix: str, server_name: str):
    """One object of every kind the routes need, in `portfolio`, built through the services where they exist."""
    from collaboration.comments.services import comment_create
    from lifecycle import services
    from lifecycle.services.gates import ActionInput
    from metrics.evidence.models import GateRule
    from metrics.evidence.services.requests import evidence_request
    from metrics.evidence.services.reviews import evidence_attach_run
    from metrics.mirror.models import TrackingServer
    from tests.api.metrics_world import build_portfolio_inputs, build_product, build_scrum, make_snapshot
    from tests.api.mlflow_world import mlflow_world
    from tests.factories import make_project, provide_required_artifacts
    from tests.metrics.evidence_world import mirrored_world

    project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code=code, name=name)
    provide_required_artifacts(project, people["pm"])
    decided = services.gate_review_request(actor=people["pm"], project=project)
    services.gate_vote(actor=people["exec"], review=decided, vote="recycle")
    services.gate_decide(
        actor=people["exec"],
        review=decided,
        decision="recycle",
        actions=[ActionInput(description=f"Redo {suffix}".strip(), owner_id=people["ds"].pk)],
    )
    review = services.gate_review_request(actor=people["pm"], project=project)
    mirrored = mirrored_world(project, people, review=review)
    # The mirror's "lab" server is shared by name (get_or_create): give this portfolio's its own name, so the
    # next portfolio's model versions do not collide with these.
    TrackingServer.objects.filter(pk=mirrored.server.pk).update(name=f"lab-{code}")
    evidence = evidence_attach_run(actor=people["ds"], review=review, run_id=mirrored.run_ids["rf-200"])
    asked = evidence_request(actor=people["pm"], review=review, asked=people["architect"])
    rule = GateRule.objects.create(portfolio=portfolio, phase=review.phase, kind="all_runs_finished")
    offline = TrackingServer.objects.create(
        name=server_name, uri="http://127.0.0.1:9", timeout_s=1, max_retries=0, token_env="LAB_TOKEN"
    )
    portfolio_rows = build_portfolio_inputs(project, people)
    scrum = build_scrum(project, people, suffix=suffix)
    product = build_product(project, people, suffix=suffix)
    # A comment on the open review, by the PM (its author: edits it; managers delete it). The other's says Kestrel.
    comment = comment_create(actor=people["pm"], target=review, body=f"Ready for review{suffix}")
    return {
        "portfolios": portfolio.pk,
        "projects": project.pk,
        "activities": project.activities.order_by("pk").first().pk,
        "gate-reviews": review.pk,
        "decided-gate-reviews": decided.pk,
        "gate-actions": decided.actions.get().pk,
        "artifact-versions": project.artifacts.order_by("pk").first().versions.order_by("pk").first().pk,
        "artifacts": project.artifacts.order_by("pk").first().pk,
        "comments": comment.pk,
        "gate-rules": rule.pk,
        "evidence": evidence.pk,
        "evidence-requests": asked.pk,
        **mlflow_world(project, people, server=offline),
        "cost-entries": portfolio_rows["cost"].pk,
        "risks": portfolio_rows["risk"].pk,
        "issues": portfolio_rows["issue"].pk,
        "benefits": portfolio_rows["benefit"].pk,
        "teams": scrum["team"].pk,
        "sprints": scrum["sprint"].pk,
        "work-items": scrum["item"].pk,
        "retro-actions": scrum["retro"].pk,
        "products": product["product"].pk,
        "customers": product["customer"].pk,
        "orders": product["order"].pk,
        "metric-snapshots": make_snapshot(project).pk,
        "metrics": "cpi",
        "mirror-run": mirrored.run_ids["rf-200"],
        **_webhook(portfolio, people, suffix=suffix),
    }


def _webhook(portfolio, people: dict[str, Any], *, suffix: str) -> dict[str, int]:
    """A webhook of the portfolio with one delivery of one of its events; rows made directly (no DNS, nothing sent)."""
    from django.utils import timezone

    from collaboration.events.models import Event
    from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription

    subscription = WebhookSubscription.objects.create(
        portfolio=portfolio,
        url=f"https://hooks.example.com/{portfolio.slug}",
        event_types=["gate_review.decided"],
        description=f"Chat bridge{suffix}",
        secret="whsec_" + "A" * 32,
        created_by=people["pm"],
        created_at=timezone.now(),
    )
    event = Event.objects.filter(portfolio=portfolio).order_by("pk").first()
    delivery = WebhookDelivery.objects.create(subscription=subscription, event=event, created_at=timezone.now())
    return {"webhooks": subscription.pk, "deliveries": delivery.pk}


def _seed() -> SecurityWorld:
    from django.contrib.auth import get_user_model

    from portal.tokens.services import token_create
    from tests.factories import BusinessUnitFactory, PortfolioFactory, StrategicGoalFactory, UserFactory, member

    own = PortfolioFactory(name="Applied Machine Learning", slug="aml")
    other = PortfolioFactory(name=f"{OTHER_MARK} Labs", slug="kestrel")
    third = PortfolioFactory(name="Outer Rim", slug="outer-rim")
    users: dict[str, Any] = {role: member(own, role, role) for role in PORTFOLIO_ROLES}
    users["outsider"] = member(third, Role.PROJECT_MANAGER, "outsider")
    users["superuser"] = get_user_model().objects.create_superuser("superuser", "superuser@example.com", "pw")

    own_people = {
        "pm": users[Role.PROJECT_MANAGER],
        "exec": users[Role.EXECUTIVE_LEADER],
        "ds": users[Role.DATA_SCIENTIST],
        "architect": users[Role.SOLUTION_ARCHITECT],
        "product": users[Role.PRODUCT_MANAGER],
    }
    # The other portfolio's people are nobody in the matrix: they only build its rows.
    other_people = {
        "pm": member(other, Role.PROJECT_MANAGER, "kestrel-pm"),
        "exec": member(other, Role.EXECUTIVE_LEADER, "kestrel-exec"),
        "ds": member(other, Role.DATA_SCIENTIST, "kestrel-ds"),
        "architect": member(other, Role.SOLUTION_ARCHITECT, "kestrel-architect"),
        "product": member(other, Role.PRODUCT_MANAGER, "kestrel-product"),
    }
    shared = {
        "business-units": BusinessUnitFactory(name="Retail").pk,
        "strategic-goals": StrategicGoalFactory(name="Grow").pk,
    }
    other_ids = _portfolio_objects(
        other,
        other_people,
        code=OTHER_PROJECT_CODE,
        name=f"{OTHER_MARK} secret",
        suffix=f" {OTHER_MARK}",
        server_name=f"offline-{OTHER_MARK}",
    )
    own_ids = _portfolio_objects(
        own, own_people, code=OWN_PROJECT_CODE, name="Churn prediction", suffix="", server_name="offline"
    )
    UserFactory(username="kestrel-nobody")  # exists, member of nothing: a person id outsiders must not learn about
    tokens = {
        role: token_create(actor=user, name=f"{role} laptop", scope="read_write", expires_in_days=30).token.pk
        for role, user in users.items()
    }
    notifications = _notifications(users)
    return SecurityWorld(
        users=users,
        own={**shared, **own_ids},
        other={**shared, **other_ids},
        tokens=tokens,
        notifications=notifications,
    )


def _notifications(users: dict[str, Any]) -> dict[str, int]:
    """One notification per user, of an event outside any portfolio (so the outsider has one of their own too)."""
    from django.utils import timezone

    from collaboration.models import Event, Notification

    event = Event.objects.create(
        type="comment.created", occurred_at=timezone.now(), target_type="portal.user", target_id="0", payload={}
    )
    return {
        role: Notification.objects.create(event=event, user=user, created_at=timezone.now()).pk
        for role, user in users.items()
    }


@pytest.fixture(scope="package")
def security_uploads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("security-uploads")


@pytest.fixture(autouse=True)
def _uploads_of_the_world(settings: Any, security_uploads: Path) -> None:
    # tests/conftest.py gives each test an empty upload folder; here the seeded artifact files must stay readable.
    settings.MEDIA_ROOT = security_uploads


@pytest.fixture(scope="package")
def security_world(django_db_setup: None, django_db_blocker: Any, security_uploads: Path) -> Iterator[SecurityWorld]:
    """The world above, seeded once for the package in a transaction rolled back after it."""
    from django.test import override_settings

    from tests.api.metrics_world import budget_import_registered

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=security_uploads):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with budget_import_registered() as kind:
                world = _seed()
                world.own["imports"] = world.other["imports"] = kind
                yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
