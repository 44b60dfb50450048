"""Each kind of inbox row appears for the person who owes it, and only them; it leaves when the service that does
the work runs; nobody sees another portfolio's rows; the count is the number of rows, in one query."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from collaboration.inbox.choices import InboxKind
from collaboration.inbox.selectors import inbox_count, inbox_rows
from lifecycle import services
from lifecycle.services.gates import ActionInput
from metrics.deployments.services.alerts import model_alert_resolve
from metrics.evidence.services.requests import evidence_request, evidence_request_withdraw
from metrics.evidence.services.reviews import evidence_attach_run
from portfolio.models import Membership
from tests.api.mlflow_world import mlflow_world
from tests.metrics.evidence_world import mirrored_world

pytestmark = pytest.mark.django_db


def ids(user, kind=None) -> list[str]:
    return [row.id for row in inbox_rows(user, kind=kind)]


def everyone_but(people, *names):
    return [person for name, person in people.items() if name not in names]


def test_the_accountable_owes_the_decision_until_it_is_taken(review, people):
    assert ids(people["exec"]) == [f"decision-{review.pk}"]
    (row,) = inbox_rows(people["exec"])
    assert (row.project_code, row.url) == ("AML-001", f"/gate-reviews/{review.pk}/decide/")
    assert row.title == "Decide the Charter approval gate" and row.since == review.requested_at
    for person in everyone_but(people, "exec", "ds", "architect"):
        assert ids(person) == [], person.username
    services.gate_decide(actor=people["exec"], review=review, decision="go", rationale="Ready")
    assert ids(people["exec"]) == []


def test_a_consulted_reviewer_owes_a_vote_until_they_vote(review, people):
    assert ids(people["ds"]) == ids(people["architect"]) == [f"vote-{review.pk}"]
    assert ids(people["pm"]) == []
    services.gate_vote(actor=people["ds"], review=review, vote="go")
    assert ids(people["ds"]) == []
    assert ids(people["architect"]) == [f"vote-{review.pk}"]  # the other reviewer still owes theirs


def test_evidence_asked_of_a_person_leaves_when_they_attach_evidence(review, project, people):
    world = mirrored_world(project, people, review=review)
    asked = evidence_request(actor=people["pm"], review=review, asked=people["ds"], note="The final run, please")
    assert ids(people["ds"], InboxKind.EVIDENCE) == [f"evidence-{asked.pk}"]
    (row,) = inbox_rows(people["ds"], InboxKind.EVIDENCE)
    assert row.url == f"/gate-reviews/{review.pk}/evidence/"
    assert "asked by" in row.title and "The final run, please" in row.title
    assert ids(people["architect"], InboxKind.EVIDENCE) == []
    # someone else's evidence does not fulfil what was asked of the data scientist
    evidence_attach_run(actor=people["pm"], review=review, run_id=world.run_ids["lr-base"])
    assert ids(people["ds"], InboxKind.EVIDENCE) == [f"evidence-{asked.pk}"]
    evidence_attach_run(actor=people["ds"], review=review, run_id=world.run_ids["rf-200"])
    assert ids(people["ds"], InboxKind.EVIDENCE) == []
    asked.refresh_from_db()
    assert (asked.status, asked.closed_by) == ("fulfilled", people["ds"])


def test_withdrawn_evidence_requests_leave_the_inbox(review, people):
    asked = evidence_request(actor=people["exec"], review=review, asked=people["architect"])
    assert ids(people["architect"], InboxKind.EVIDENCE) == [f"evidence-{asked.pk}"]
    evidence_request_withdraw(actor=people["pm"], request=asked, reason="Found it")
    assert ids(people["architect"], InboxKind.EVIDENCE) == []


def test_the_decision_closes_what_was_still_asked(review, people):
    asked = evidence_request(actor=people["pm"], review=review, asked=people["ds"])
    withdrawn = evidence_request(actor=people["pm"], review=review, asked=people["architect"])
    evidence_request_withdraw(actor=people["pm"], request=withdrawn)
    services.gate_decide(actor=people["exec"], review=review, decision="go", rationale="Enough as it is")
    asked.refresh_from_db()
    withdrawn.refresh_from_db()
    assert (asked.status, asked.get_status_display(), asked.closed_at is not None) == (
        "decided",
        "Closed by the decision",
        True,
    )
    assert withdrawn.status == "withdrawn"  # a request already closed keeps how it was closed
    assert ids(people["ds"], InboxKind.EVIDENCE) == []


def test_open_conditions_are_owed_by_their_owner_overdue_first(review, people):
    today = timezone.localdate()
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision="conditional_go",
        actions=[
            ActionInput("Later", people["ds"].pk, today + datetime.timedelta(days=30)),
            ActionInput("Soon", people["ds"].pk, today + datetime.timedelta(days=7)),
            ActionInput("Late", people["ds"].pk, today - datetime.timedelta(days=1)),
            ActionInput("Someone else's", people["architect"].pk, today),
        ],
    )
    rows = inbox_rows(people["ds"], InboxKind.ACTION)
    assert [row.title for row in rows] == ["Condition: Late", "Condition: Soon", "Condition: Later"]
    assert [(row.overdue, row.due_soon) for row in rows] == [(True, False), (False, True), (False, False)]
    late = review.actions.get(description="Late")
    services.gate_action_complete(actor=people["ds"], action=late)
    assert [row.title for row in inbox_rows(people["ds"], InboxKind.ACTION)] == ["Condition: Soon", "Condition: Later"]


def test_an_open_model_alert_is_owed_by_its_owner_until_resolved(project, people):
    alert_id = mlflow_world(project, people)["model-alerts"]
    assert ids(people["pm"]) == [f"alert-{alert_id}"]
    assert ids(people["exec"]) == []
    from metrics.deployments.models import ModelAlert

    model_alert_resolve(actor=people["pm"], alert=ModelAlert.objects.get(pk=alert_id), resolution="Retrained")
    assert ids(people["pm"]) == []


def test_nobody_sees_rows_of_a_portfolio_they_do_not_belong_to(review, people):
    assert ids(people["outsider"]) == [] and inbox_count(people["outsider"]) == 0
    assert ids(people["ds"]) == [f"vote-{review.pk}"]
    Membership.objects.filter(user=people["ds"], portfolio=review.project.portfolio).delete()
    assert ids(people["ds"]) == [] and inbox_count(people["ds"]) == 0


def test_the_count_equals_the_rows_and_reading_takes_a_fixed_number_of_queries(
    review, project, people, django_assert_num_queries
):
    mlflow_world(project, people)
    services.gate_vote(actor=people["exec"], review=review, vote="go")  # the Accountable may vote: still decides
    evidence_request(actor=people["exec"], review=review, asked=people["pm"])
    with django_assert_num_queries(1):
        count = inbox_count(people["pm"])
    with django_assert_num_queries(5):  # one per kind, whatever the number of rows
        rows = inbox_rows(people["pm"])
    assert count == len(rows) == 2
    assert [row.kind for row in rows] == [InboxKind.EVIDENCE, InboxKind.ALERT]
    for person in people.values():
        assert inbox_count(person) == len(inbox_rows(person)), person.username
