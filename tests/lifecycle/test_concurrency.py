"""Races on real PostgreSQL: two threads, two connections, one winner.

Each test slows a step that runs inside the service's transaction, after its row lock, so the
second thread reliably arrives while the first still holds the lock: without the lock both
would pass their checks and the test would see two results.
"""

import pytest
from django.db import connection

from lifecycle import services
from lifecycle.choices import GateDecision, GateReviewStatus, NoGoOutcome, Phase, ProjectState, RaciRole
from lifecycle.models import (
    Activity,
    AuditRecord,
    Charter,
    CharterVersion,
    GateReview,
    GateVote,
    PhaseTransition,
    Project,
)
from lifecycle.services import charter as charter_module
from lifecycle.services import gates as gates_module
from lifecycle.services import raci as raci_module
from portal.exceptions import StaleEdit, TransitionNotAllowed
from tests.factories import provide_required_artifacts
from tests.lifecycle.service_helpers import make_consulted
from tests.races import run_at_once, slow_down

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


@pytest.fixture(autouse=True)
def _postgresql():
    assert connection.vendor == "postgresql"


def split(outcomes):
    winners = [value for kind, value in outcomes if kind == "ok"]
    losers = [value for kind, value in outcomes if kind == "error"]
    return winners, losers


@pytest.fixture
def review(project, people):
    provide_required_artifacts(project, people["pm"])
    return services.gate_review_request(actor=people["pm"], project=project)


def test_two_simultaneous_decisions_give_exactly_one(review, project, people, monkeypatch):
    slow_down(monkeypatch, gates_module, "_freeze_evidence")
    outcomes = run_at_once(
        lambda: services.gate_decide(actor=people["exec"], review=review, decision=GateDecision.GO),
        lambda: services.gate_decide(actor=people["exec"], review=review, decision=GateDecision.GO),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1
    assert [type(error) for error in losers] == [TransitionNotAllowed]
    project = Project.objects.get(pk=project.pk)
    assert (project.phase, project.state) == (Phase.EXPLORATION, ProjectState.ACTIVE)
    assert PhaseTransition.objects.filter(project=project, gate_review=review).count() == 1
    assert AuditRecord.objects.filter(action="gate.decide", target_id=str(review.pk)).count() == 1
    assert AuditRecord.objects.filter(project=project, action="project.phase_change").count() == 1


def test_conflicting_decisions_leave_one_consistent_outcome(review, project, people, monkeypatch):
    slow_down(monkeypatch, gates_module, "_freeze_evidence")
    outcomes = run_at_once(
        lambda: services.gate_decide(actor=people["exec"], review=review, decision=GateDecision.GO),
        lambda: services.gate_decide(
            actor=people["exec"],
            review=review,
            decision=GateDecision.NO_GO,
            no_go_outcome=NoGoOutcome.CANCEL,
            rationale="Stop",
        ),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1 and [type(error) for error in losers] == [TransitionNotAllowed]
    review = GateReview.objects.get(pk=review.pk)
    project = Project.objects.get(pk=project.pk)
    expected = {
        GateDecision.GO: (Phase.EXPLORATION, ProjectState.ACTIVE),
        GateDecision.NO_GO: (Phase.CHARTER, ProjectState.CANCELLED),
    }[review.decision]
    assert (project.phase, project.state) == expected
    assert winners[0].decision == review.decision
    assert PhaseTransition.objects.filter(gate_review=review).count() == 1


def test_two_simultaneous_gate_requests_open_one_review(project, people, monkeypatch):
    provide_required_artifacts(project, people["pm"])
    slow_down(monkeypatch, gates_module, "artifacts_missing_for_gate")
    outcomes = run_at_once(
        lambda: services.gate_review_request(actor=people["pm"], project=project, note="first"),
        lambda: services.gate_review_request(actor=people["pm"], project=project, note="second"),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1 and [type(error) for error in losers] == [TransitionNotAllowed]
    assert GateReview.objects.filter(project=project, status=GateReviewStatus.OPEN).count() == 1
    assert GateReview.objects.filter(project=project).count() == 1
    assert AuditRecord.objects.filter(project=project, action="gate.request").count() == 1


def test_two_charter_saves_on_the_same_version_keep_one_and_refuse_the_other(project, people, monkeypatch):
    slow_down(monkeypatch, charter_module, "_check_changes")
    outcomes = run_at_once(
        lambda: services.charter_update(
            actor=people["pm"], project=project, base_version=1, changes={"objective": "Alice's objective"}
        ),
        lambda: services.charter_update(
            actor=people["pm"], project=project, base_version=1, changes={"objective": "Bob's objective"}
        ),
    )
    winners, losers = split(outcomes)
    assert len(winners) == 1 and [type(error) for error in losers] == [StaleEdit]
    charter = Charter.objects.get(project=project)
    assert charter.version == 2
    assert charter.objective == winners[0].objective
    assert losers[0].current_version == 2
    assert losers[0].current["objective"] == charter.objective
    assert list(CharterVersion.objects.filter(charter=charter).order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]
    assert AuditRecord.objects.filter(project=project, action="charter.update").count() == 1


@pytest.mark.parametrize("round_", range(4))
def test_a_vote_racing_the_decision_is_either_counted_before_it_or_refused(
    review, project, people, monkeypatch, round_
):
    # Several rounds: a lock-order deadlock between the two only shows up some of the time.
    make_consulted(project, people["pm"], people["ds"])
    slow_down(monkeypatch, gates_module, "_freeze_evidence")
    outcomes = run_at_once(
        lambda: services.gate_decide(actor=people["exec"], review=review, decision=GateDecision.GO),
        lambda: services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.NO_GO),
    )
    assert outcomes[0][0] == "ok", outcomes[0]
    review = GateReview.objects.get(pk=review.pk)
    votes = list(GateVote.objects.filter(review=review))
    if outcomes[1][0] == "ok":
        assert [vote.voted_at <= review.decided_at for vote in votes] == [True]
    else:
        assert type(outcomes[1][1]) is TransitionNotAllowed, outcomes[1]
        assert votes == []


def test_a_checklist_edit_racing_a_raci_change_does_not_deadlock(project, people, monkeypatch):
    activity = project.activities.get(phase=Phase.CHARTER, name="Set milestones")
    slow_down(monkeypatch, raci_module, "raci_problems")  # raci_update holds the project lock here
    outcomes = run_at_once(
        lambda: services.raci_update(
            actor=people["pm"], project=project, assignments={activity.pk: {people["ds"].pk: RaciRole.CONSULTED}}
        ),
        lambda: services.activity_rename(actor=people["pm"], activity=activity, name="Agree milestones"),
    )
    assert [kind for kind, _value in outcomes] == ["ok", "ok"], outcomes
    assert Activity.objects.get(pk=activity.pk).name == "Agree milestones"
    assert activity.assignments.filter(user=people["ds"], role=RaciRole.CONSULTED).exists()


def test_the_transactional_flush_truncates_the_protected_audit_table(project):
    # pytest-django empties the tables with TRUNCATE after this test; the append-only trigger
    # fires on UPDATE and DELETE only, so the flush works. This test is the proof: its teardown
    # flushes a table holding audit records, and the next transactional test starts empty.
    assert AuditRecord.objects.count() > 0


def test_a_transactional_test_starts_with_an_empty_audit_table():
    assert AuditRecord.objects.count() == 0
