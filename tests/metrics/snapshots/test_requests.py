"""Every input service asks for the recomputation of exactly the scopes its input feeds, inside its transaction,
and a refused call asks for nothing."""

from __future__ import annotations

import datetime

import pytest

from lifecycle import services as lifecycle
from metrics.portfolio_inputs.services import benefits, health
from metrics.portfolio_inputs.services import resources as inputs
from metrics.product import services as products
from metrics.scrum.services import sprints as scrum
from metrics.snapshots.models import MetricComputeRequest
from portal.exceptions import NotAllowed, ValidationFailed
from portfolio.choices import Role
from portfolio.models import Membership, Portfolio
from tests.factories import make_project
from tests.metrics.compute_fixtures import Computed, register_test_computers

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
D = datetime.date
UTC = datetime.UTC
MONDAY = D(2026, 3, 2)


@pytest.fixture
def test_computers(monkeypatch) -> Computed:
    return register_test_computers(monkeypatch)


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, 12, tzinfo=UTC)


def requested_by(call) -> set[tuple[str, int]]:
    """The scopes `call` marked, starting from none pending."""
    MetricComputeRequest.objects.all().delete()
    call()
    return set(MetricComputeRequest.objects.values_list("scope_type", "scope_id"))


@pytest.fixture
def team(test_computers, project, people):
    return scrum.team_create(
        actor=people["pm"], portfolio=project.portfolio, name="Squad", project=project, members=[people["ds"]]
    )


@pytest.fixture
def product(test_computers, project, people):
    return products.product_create(actor=people["pm"], project=project, name="Scorer")


def test_project_inputs_mark_the_project_and_its_portfolio(test_computers, project, people) -> None:
    pm = people["pm"]
    expected = {("project", project.pk), ("portfolio", project.portfolio_id)}
    risk = health.risk_add(actor=pm, project=project, title="Drift", probability="0.5", impact=3)
    issue = health.issue_open(actor=pm, project=project, title="Late data", severity="high")
    benefit = benefits.benefit_add(actor=pm, project=project, name="Fewer frauds")
    cost = inputs.cost_entry_add(actor=pm, project=project, day=D(2026, 3, 3), amount=10)
    calls = {
        "budget": lambda: inputs.budget_set(actor=pm, project=project, period_start=D(2026, 3, 1), amount=100),
        "cost": lambda: inputs.cost_entry_add(actor=pm, project=project, day=D(2026, 3, 3), amount=10),
        "cost correction": lambda: inputs.cost_entry_update(
            actor=pm, entry=cost, changes={"amount": 12}, reason="Typo"
        ),
        "status": lambda: health.status_report_submit(actor=pm, project=project, as_of=D(2026, 3, 4), schedule="red"),
        "risk": lambda: health.risk_add(actor=pm, project=project, title="Bias", probability="0.2", impact=2),
        "risk update": lambda: health.risk_update(actor=pm, risk=risk, changes={"impact": 4}),
        "risk close": lambda: health.risk_close(actor=pm, risk=risk),
        "issue": lambda: health.issue_open(actor=pm, project=project, title="Outage", severity="low"),
        "issue close": lambda: health.issue_close(actor=pm, issue=issue),
        "benefit": lambda: benefits.benefit_add(actor=pm, project=project, name="Less churn"),
        "measurement": lambda: benefits.benefit_measurement_record(
            actor=pm, benefit=benefit, period_end=D(2026, 3, 31), planned=10
        ),
        "project edit": lambda: lifecycle.project_update(actor=pm, project=project, changes={"name": "Churn v2"}),
    }
    assert {name: requested_by(call) for name, call in calls.items()} == {name: expected for name in calls}


def test_a_new_project_marks_itself_and_its_portfolio(test_computers, portfolio, people) -> None:
    created = []

    marked = requested_by(lambda: created.append(make_project(portfolio=portfolio, owner=people["pm"], code="N-1")))

    assert marked == {("project", created[0].pk), ("portfolio", portfolio.pk)}


def test_people_inputs_mark_the_person_and_what_the_hours_concern(test_computers, project, people) -> None:
    pm, ds = people["pm"], people["ds"]
    project_scopes = {("project", project.pk), ("portfolio", project.portfolio_id)}

    assert requested_by(lambda: inputs.allocation_set(actor=pm, person=ds, project=project, week=MONDAY, hours=8)) == {
        ("person", ds.pk),
        *project_scopes,
    }
    assert requested_by(lambda: inputs.time_entry_add(actor=ds, person=ds, project=project, day=MONDAY, hours=3)) == {
        ("person", ds.pk),
        *project_scopes,
    }
    # Capacity concerns no project: every portfolio the person works in.
    other = Portfolio.objects.get(slug="air")
    Membership.objects.create(user=ds, portfolio=other, role=Role.DATA_SCIENTIST)
    assert requested_by(lambda: inputs.capacity_set(actor=pm, person=ds, week=MONDAY, working_hours=40)) == {
        ("person", ds.pk),
        ("portfolio", project.portfolio_id),
        ("portfolio", other.pk),
    }


def test_scrum_inputs_mark_the_team_and_its_project(test_computers, team, project, people) -> None:
    pm, ds = people["pm"], people["ds"]
    expected = {("team", team.pk), ("project", project.pk)}
    sprint = scrum.sprint_create(
        actor=pm, team=team, name="S0", planned_start=D(2026, 3, 2), planned_end=D(2026, 3, 13)
    )
    item = scrum.work_item_create(actor=pm, team=team, key="K-0", title="Setup", points=3, sprint=sprint, at=at(1))
    calls = {
        "sprint": lambda: scrum.sprint_create(
            actor=pm, team=team, name="S1", planned_start=D(2026, 3, 16), planned_end=D(2026, 3, 27)
        ),
        "item": lambda: scrum.work_item_create(actor=pm, team=team, key="K-1", title="Feature", at=at(1)),
        "item update": lambda: scrum.work_item_update(actor=pm, item=item, changes={"points": 5}, at=at(2)),
        "start": lambda: scrum.sprint_start(actor=pm, sprint=sprint, at=at(2)),
        "mood": lambda: scrum.mood_vote_record(actor=ds, sprint=sprint, score=4, at=at(3)),
        "retro": lambda: scrum.retro_action_add(actor=pm, sprint=sprint, text="Pair more", at=at(3)),
        "close": lambda: scrum.sprint_close(actor=pm, sprint=sprint, at=at(13)),
        "reopen": lambda: scrum.sprint_reopen(actor=pm, sprint=sprint, reason="Missed a story", at=at(14)),
    }
    assert {name: requested_by(call) for name, call in calls.items()} == {name: expected for name in calls}


def test_a_team_without_project_marks_only_itself(test_computers, portfolio, people) -> None:
    teams = []

    marked = requested_by(
        lambda: teams.append(scrum.team_create(actor=people["pm"], portfolio=portfolio, name="Platform"))
    )

    assert marked == {("team", teams[0].pk)}


def test_product_inputs_mark_the_product_and_its_project(test_computers, product, project, people) -> None:
    pm = people["pm"]
    expected = {("product", product.pk), ("project", project.pk)}
    customer = products.customer_add(actor=pm, product=product, external_id="C-0", acquired_on=D(2026, 3, 1))
    events = [{"user_id": "u1", "name": "score", "at": at(2)}]
    calls = {
        "events": lambda: products.product_events_add(actor=pm, product=product, events=events),
        "customer": lambda: products.customer_add(
            actor=pm, product=product, external_id="C-1", acquired_on=D(2026, 3, 1)
        ),
        "order": lambda: products.order_add(
            actor=pm, customer=customer, placed_at=at(3), revenue=10, gross_margin="0.5"
        ),
        "spend": lambda: products.marketing_spend_add(
            actor=pm, product=product, channel="ads", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31), amount=5
        ),
        "survey": lambda: products.survey_response_add(actor=pm, product=product, kind="nps", score=9, at=at(4)),
    }
    assert {name: requested_by(call) for name, call in calls.items()} == {name: expected for name in calls}
    created = []
    marked = requested_by(lambda: created.append(products.product_create(actor=pm, project=project, name="Other")))
    assert marked == {("product", created[0].pk), ("project", project.pk)}


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (
            lambda p, who: inputs.budget_set(actor=who["ds"], project=p, period_start=D(2026, 3, 1), amount=1),
            NotAllowed,
        ),
        (
            lambda p, who: inputs.budget_set(actor=who["pm"], project=p, period_start=D(2026, 3, 2), amount=1),
            ValidationFailed,
        ),
        (lambda p, who: health.status_report_submit(actor=who["pm"], project=p, as_of="2026-03-04"), ValidationFailed),
        (
            lambda p, who: inputs.capacity_set(actor=who["ds"], person=who["ds"], week=MONDAY, working_hours=4),
            NotAllowed,
        ),
        (lambda p, who: lifecycle.project_update(actor=who["ds"], project=p, changes={"name": "X"}), NotAllowed),
        (lambda p, who: scrum.team_create(actor=who["ds"], portfolio=p.portfolio, name="T"), NotAllowed),
        (lambda p, who: products.product_create(actor=who["architect"], project=p, name="P"), NotAllowed),
    ],
    ids=["budget-not-allowed", "budget-invalid", "status-invalid", "capacity", "project", "team", "product"],
)
def test_a_refused_input_marks_nothing_and_schedules_nothing(
    test_computers, project, people, call, error, django_capture_on_commit_callbacks
) -> None:
    MetricComputeRequest.objects.all().delete()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(error):
        call(project, people)

    assert (list(MetricComputeRequest.objects.all()), callbacks) == ([], [])
