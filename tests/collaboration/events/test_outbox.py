"""The outbox: each audited change that is an event writes exactly one Event, with its payload, in the change's
transaction; a refused or rolled-back change writes none; dispatch after commit notifies once, however often run."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from collaboration.events.catalog import AUDIT_ACTION_EVENTS, CATALOG, EventType
from collaboration.events.dispatch import event_dispatch
from collaboration.events.models import Event
from collaboration.events.tasks import events_dispatch_pending
from collaboration.notifications.models import Notification
from lifecycle import services
from lifecycle.choices import GateDecision, NoGoOutcome
from lifecycle.models import AuditRecord, GateReview
from portal.exceptions import NotAllowed
from tests.factories import provide_required_artifacts
from tests.lifecycle.service_helpers import make_consulted, open_review

pytestmark = pytest.mark.django_db


def events_of(*types: str) -> list[Event]:
    return list(Event.objects.filter(type__in=types).order_by("pk"))


def test_a_gate_request_writes_one_event_with_its_payload(project, people):
    review = open_review(project, people["pm"])

    [event] = Event.objects.all()
    assert event.type == EventType.GATE_REVIEW_REQUESTED
    assert (event.actor, event.project, event.portfolio_id) == (people["pm"], project, project.portfolio_id)
    assert (event.target_type, event.target_id) == ("lifecycle.gatereview", str(review.pk))
    assert event.payload == {
        "project_id": project.pk,
        "project_code": "AML-001",
        "review_id": review.pk,
        "phase": "charter",
        "requested_by_id": people["pm"].pk,
    }
    assert event.dispatched_at is None  # dispatched after commit, never inside the change


def test_vote_and_decision_map_to_their_event_types(project, people):
    make_consulted(project, people["pm"], people["ds"])
    review = open_review(project, people["pm"])
    services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.GO)
    services.gate_decide(actor=people["exec"], review=review, decision=GateDecision.GO, rationale="Ready.")

    vote, decided, moved = events_of(
        EventType.GATE_REVIEW_VOTE_CAST, EventType.GATE_REVIEW_DECIDED, EventType.PROJECT_PHASE_CHANGED
    )
    assert (vote.type, vote.actor, vote.payload["vote"], vote.payload["voter_id"]) == (
        EventType.GATE_REVIEW_VOTE_CAST,
        people["ds"],
        "go",
        people["ds"].pk,
    )
    assert decided.type == EventType.GATE_REVIEW_DECIDED
    assert {k: decided.payload[k] for k in ("decision", "no_go_outcome", "decided_by_id", "phase")} == {
        "decision": "go",
        "no_go_outcome": "",
        "decided_by_id": people["exec"].pk,
        "phase": "charter",
    }
    assert moved.type == EventType.PROJECT_PHASE_CHANGED
    assert {k: moved.payload[k] for k in ("from_phase", "to_phase", "state")} == {
        "from_phase": "charter",
        "to_phase": "exploration",
        "state": "active",
    }
    assert CATALOG[moved.type].summary_of(moved.payload) == "AML-001 moved from charter to exploration"


def test_hold_and_resume_are_state_changes(project, people):
    review = open_review(project, people["pm"])
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision=GateDecision.NO_GO,
        no_go_outcome=NoGoOutcome.HOLD,
        rationale="Budget freeze.",
    )
    services.project_resume(actor=people["exec"], project=project, reason="Budget back.")

    hold, resume = events_of(EventType.PROJECT_STATE_CHANGED)
    assert (hold.payload["from_state"], hold.payload["to_state"]) == ("active", "on hold")
    assert (resume.payload["from_state"], resume.payload["to_state"]) == ("on hold", "active")
    assert resume.actor == people["exec"]


def test_every_mapped_action_is_an_action_the_services_write():
    """The map names real audit actions (a typo would silently emit nothing)."""
    assert set(AUDIT_ACTION_EVENTS) == {
        "gate.request",
        "gate.vote",
        "gate.decide",
        "project.phase_change",
        "project.state_change",
        "project.resume",
        "deployment.alert_raised",
    }


def test_other_audited_changes_are_no_events(project, people):
    before = AuditRecord.objects.count()
    services.project_update(actor=people["pm"], project=project, changes={"name": "Churn v2"})
    assert AuditRecord.objects.count() == before + 1
    assert Event.objects.count() == 0


def test_a_refused_change_emits_nothing(project, people):
    open_review(project, people["pm"])
    review = GateReview.objects.get()
    with pytest.raises(NotAllowed):
        services.gate_decide(actor=people["ds"], review=review, decision=GateDecision.GO)
    assert list(Event.objects.values_list("type", flat=True)) == [EventType.GATE_REVIEW_REQUESTED]


@pytest.mark.django_db(transaction=True)
def test_a_change_rolled_back_after_its_audit_write_leaves_no_event_and_no_notification(project, people):
    """The service wrote its audit row (and so its event), then the transaction failed: nothing survives, and
    nothing is dispatched since on_commit never fires."""
    provide_required_artifacts(project, people["pm"])
    events_before = Event.objects.count()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.gate_review_request(actor=people["pm"], project=project)
        assert Event.objects.filter(type=EventType.GATE_REVIEW_REQUESTED).count() == 1  # written inside
        raise Boom
    assert Event.objects.count() == events_before
    assert not GateReview.objects.exists()
    assert Notification.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_dispatch_after_commit_notifies_once_even_when_run_again(project, people):
    make_consulted(project, people["pm"], people["ds"])
    open_review(project, people["pm"])  # commits; the on-commit task runs in-process (no broker in tests)

    event = Event.objects.get(type=EventType.GATE_REVIEW_REQUESTED)
    assert event.dispatched_at is not None
    recipients = sorted(Notification.objects.filter(event=event).values_list("user__username", flat=True))
    assert recipients == ["ds", "exec"]

    # A redelivered task, the reconciler, and a dispatch that crashed after writing rows: nothing twice.
    assert event_dispatch(event.pk) is False
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if the crash came before marking it
    assert event_dispatch(event.pk) is True
    assert events_dispatch_pending() == 0
    assert Notification.objects.filter(event=event).count() == 2


def test_the_reconciler_dispatches_events_whose_task_was_lost(project, people, time_machine):
    open_review(project, people["pm"])  # inside the test's transaction: on_commit never runs, like a lost message
    event = Event.objects.get()
    assert events_dispatch_pending() == 0  # too fresh: its own task still has its chance

    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=2))
    assert events_dispatch_pending() == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["exec"]
    assert events_dispatch_pending() == 0
