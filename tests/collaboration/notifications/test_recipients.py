"""Who is told of what (README, "Notifications"): the RACI rules, never the actor, never an outsider."""

import datetime

import pytest

from collaboration.events.catalog import EventType
from collaboration.events.dispatch import event_dispatch
from collaboration.events.models import Event
from collaboration.events.notices import gate_action_notices_emit
from collaboration.events.services import event_record
from collaboration.notifications.models import Notification
from collaboration.notifications.recipients import RULES
from lifecycle import services
from lifecycle.choices import GateDecision, NoGoOutcome, RaciRole
from lifecycle.services.gates import ActionInput
from portfolio.models import Membership
from tests.lifecycle.service_helpers import gate_activity, make_consulted, open_review

pytestmark = pytest.mark.django_db


def told(event_type: str) -> list[str]:
    """Dispatch every event of the type (as the on-commit task does) and name who was told, in order."""
    events = Event.objects.filter(type=event_type)
    assert events.exists(), f"no {event_type} event"
    for event in events:
        event_dispatch(event.pk)
    rows = Notification.objects.filter(event__type=event_type)
    return sorted(rows.values_list("user__username", flat=True))


@pytest.fixture
def reviewed(project, people):
    """ds Consulted and product Informed on the charter gate; architect Informed elsewhere in the project."""
    make_consulted(project, people["pm"], people["ds"])
    services.raci_update(
        actor=people["pm"],
        project=project,
        assignments={gate_activity(project).pk: {people["product"].pk: RaciRole.INFORMED}},
    )
    return open_review(project, people["pm"])


def test_a_request_tells_the_gates_accountable_and_consulted_not_the_requester(reviewed):
    assert told(EventType.GATE_REVIEW_REQUESTED) == ["ds", "exec"]


def test_a_vote_tells_the_accountable_and_the_requester_not_the_voter(reviewed, people):
    services.gate_vote(actor=people["ds"], review=reviewed, vote=GateDecision.GO)
    assert told(EventType.GATE_REVIEW_VOTE_CAST) == ["exec", "pm"]


def test_a_decision_tells_the_phases_raci_and_the_pm_not_the_decider(reviewed, people):
    services.gate_decide(actor=people["exec"], review=reviewed, decision=GateDecision.GO, rationale="Ready.")
    assert told(EventType.GATE_REVIEW_DECIDED) == ["ds", "pm", "product"]
    # the phase change: owner, sponsor (the decider, left out) and the Informed of the project
    assert told(EventType.PROJECT_PHASE_CHANGED) == ["pm", "product"]


def test_a_state_change_by_the_sponsor_tells_the_owner_and_informed(reviewed, people):
    services.gate_decide(
        actor=people["exec"],
        review=reviewed,
        decision=GateDecision.NO_GO,
        no_go_outcome=NoGoOutcome.HOLD,
        rationale="Paused.",
    )
    assert told(EventType.PROJECT_STATE_CHANGED) == ["pm", "product"]


def test_nobody_outside_the_portfolio_is_told_even_if_the_raci_still_names_them(reviewed, people):
    Membership.objects.filter(user=people["ds"]).delete()  # ds left the portfolio after being made Consulted
    assert told(EventType.GATE_REVIEW_REQUESTED) == ["exec"]


@pytest.mark.clock
def test_due_tells_the_owner_and_overdue_also_the_pm(project, people, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False)
    review = open_review(project, people["pm"])
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision=GateDecision.CONDITIONAL_GO,
        rationale="Conditions.",
        actions=[ActionInput("Bias audit", people["ds"].pk, datetime.date(2026, 3, 11))],
    )
    gate_action_notices_emit(datetime.date(2026, 3, 10))
    assert told(EventType.GATE_ACTION_DUE) == ["ds"]
    gate_action_notices_emit(datetime.date(2026, 3, 12))
    assert told(EventType.GATE_ACTION_OVERDUE) == ["ds", "pm"]


def test_a_mention_tells_the_mentioned_member_only_and_never_an_outsider(project, people):
    for mentioned in ("ds", "outsider"):
        event_record(
            type=EventType.COMMENT_MENTIONED,
            actor=people["pm"],
            portfolio=None,
            project=project,
            target=project,
            payload={"comment_id": 1, "subject": "the charter", "url": "/", "mentioned_user_id": people[mentioned].pk},
        )
    assert told(EventType.COMMENT_MENTIONED) == ["ds"]


def test_a_person_who_turned_a_type_off_is_not_told(reviewed, people):
    from collaboration.notifications.services import notification_preferences_set

    notification_preferences_set(user=people["ds"], channels={EventType.GATE_REVIEW_REQUESTED: "off"})
    assert told(EventType.GATE_REVIEW_REQUESTED) == ["exec"]


def test_every_type_has_a_rule_and_the_readme_states_it():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("## Notifications", 1)[1].split("\n## ", 1)[0]
    assert set(RULES) == set(EventType.values)
    assert [t for t in EventType.values if f"`{t}`" not in section] == []
