"""Events nobody's action causes: due and overdue conditions (each notice once, however often the beat runs),
a model alert, and the service the comments area calls."""

import datetime

import pytest
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.events.models import Event
from collaboration.events.notices import gate_action_notices_emit
from collaboration.events.services import event_record
from lifecycle import services
from lifecycle.choices import GateDecision
from lifecycle.models import GateAction, Project
from lifecycle.services.gates import ActionInput
from metrics.deployments.services import alerts, deployed_models
from tests.lifecycle.service_helpers import open_review

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 10)


@pytest.fixture
def conditions(project, people, time_machine):
    """A conditional go on 10 March with three conditions: due 12 March, due 20 March, and one done."""
    time_machine.move_to(datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC), tick=False)
    review = open_review(project, people["pm"])
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision=GateDecision.CONDITIONAL_GO,
        rationale="Go, with conditions.",
        actions=[
            ActionInput("Bias audit", people["ds"].pk, datetime.date(2026, 3, 12)),
            ActionInput("Load test", people["architect"].pk, datetime.date(2026, 3, 20)),
            ActionInput("Runbook", people["ds"].pk, datetime.date(2026, 3, 11)),
        ],
    )
    runbook = GateAction.objects.get(description="Runbook")
    services.gate_action_complete(actor=people["ds"], action=runbook)
    return {a.description: a for a in GateAction.objects.all()}


def notices() -> list[tuple[str, str]]:
    return sorted(Event.objects.filter(type__startswith="gate_action.").values_list("type", "payload__description"))


@pytest.mark.clock
def test_due_then_overdue_each_once_per_item(conditions, time_machine):
    assert gate_action_notices_emit(TODAY) == 1  # Bias audit due within 3 days; Load test later; Runbook done
    assert notices() == [(EventType.GATE_ACTION_DUE, "Bias audit")]
    assert gate_action_notices_emit(TODAY) == 0  # the beat runs hourly: nothing twice

    time_machine.move_to(datetime.datetime(2026, 3, 13, 9, 0, tzinfo=datetime.UTC), tick=False)
    assert gate_action_notices_emit() == 1  # today's date read from the clock
    assert gate_action_notices_emit() == 0
    assert notices() == [(EventType.GATE_ACTION_DUE, "Bias audit"), (EventType.GATE_ACTION_OVERDUE, "Bias audit")]

    time_machine.move_to(datetime.datetime(2026, 3, 21, 9, 0, tzinfo=datetime.UTC), tick=False)
    assert gate_action_notices_emit() == 1  # Load test: already past due, so told overdue only
    assert notices() == [
        (EventType.GATE_ACTION_DUE, "Bias audit"),
        (EventType.GATE_ACTION_OVERDUE, "Bias audit"),
        (EventType.GATE_ACTION_OVERDUE, "Load test"),
    ]
    overdue = Event.objects.get(type=EventType.GATE_ACTION_OVERDUE, payload__description="Load test")
    assert overdue.actor is None
    assert overdue.payload["due_date"] == "2026-03-20"
    assert overdue.payload["owner_id"] == conditions["Load test"].owner_id


@pytest.mark.clock
def test_a_completed_item_is_never_told(conditions):
    services.gate_action_complete(actor=conditions["Bias audit"].owner, action=conditions["Bias audit"])
    assert gate_action_notices_emit(TODAY) == 0
    assert notices() == []


def test_a_raised_alert_is_a_model_alert_event(project, people):
    Project.objects.filter(pk=project.pk).update(phase="deployment")
    project.refresh_from_db()
    model = deployed_models.deployed_model_register(actor=people["pm"], project=project, name="churn-prod")
    model.owner = people["ds"]
    model.save()
    row = deployed_models.production_threshold_set(
        actor=people["pm"], model=model, metric_key="accuracy", comparator=">=", threshold=0.9, severity="critical"
    )
    seen = alerts.Observation(value=0.85, at=timezone.now(), step=3)

    alert = alerts._alert_open(model, row, seen)  # what the sync's evaluation calls on a breach

    event = Event.objects.get(type=EventType.MODEL_ALERT_OPENED)
    assert event.actor is None
    assert (event.target_type, event.target_id) == ("metrics.modelalert", str(alert.pk))
    assert event.payload == {
        "project_id": project.pk,
        "project_code": "AML-001",
        "alert_id": alert.pk,
        "deployed_model": "churn-prod",
        "metric_key": "accuracy",
        "observed_value": 0.85,
        "threshold": ">= 0.9",
        "severity": "critical",
        "owner_id": people["ds"].pk,
    }


def test_event_record_for_the_comments_area(project, people):
    event = event_record(
        type=EventType.COMMENT_MENTIONED,
        actor=people["pm"],
        portfolio=None,
        project=project,
        target=project,
        payload={"comment_id": 7, "subject": "the charter", "url": "/projects/1/charter/", "mentioned_user_id": 3},
    )
    assert event.portfolio_id == project.portfolio_id  # from the project
    assert event.payload["project_code"] == "AML-001"
    with pytest.raises(ValueError):
        event_record(type="comment.liked", actor=None, portfolio=None, project=project, target=project, payload={})
