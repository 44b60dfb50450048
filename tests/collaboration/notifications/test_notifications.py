"""Notifications as people use them: their own only (API and page), read / read-all, preferences, and the email
and daily digest received by a real SMTP server."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.events.dispatch import event_dispatch
from collaboration.events.models import Event
from collaboration.notifications.models import Notification
from collaboration.notifications.services import notification_preferences_set
from collaboration.notifications.tasks import digests_send
from lifecycle import services
from lifecycle.choices import GateDecision
from portfolio.models import Membership
from tests.lifecycle.service_helpers import make_consulted, open_review

pytestmark = pytest.mark.django_db


def dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
        event_dispatch(event_id)


@pytest.fixture
def notified(project, people):
    """exec and ds told of a request; then exec told of ds's vote."""
    make_consulted(project, people["pm"], people["ds"])
    review = open_review(project, people["pm"])
    services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.GO)
    dispatch_all()
    return review


def test_the_api_lists_ones_own_notifications_unread_first(notified, people, api_as):
    client = api_as("exec")
    first_request = Notification.objects.get(user=people["exec"], event__type=EventType.GATE_REVIEW_REQUESTED)
    client.post(f"/api/v1/notifications/{first_request.pk}/read/")

    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 2
    assert [(row["event_type"], row["unread"]) for row in body["results"]] == [
        (EventType.GATE_REVIEW_VOTE_CAST, True),
        (EventType.GATE_REVIEW_REQUESTED, False),
    ]
    vote = body["results"][0]
    assert vote["summary"] == "AML-001: a go vote on the charter gate review"
    assert vote["link"] == f"/gate-reviews/{notified.pk}/"
    assert vote["project_code"] == "AML-001"
    assert vote["event_id"] == str(Event.objects.get(type=EventType.GATE_REVIEW_VOTE_CAST).public_id)


def test_nobody_reads_or_marks_another_persons_notification(notified, people, api_as):
    theirs = Notification.objects.get(user=people["ds"])
    for role in ("exec", "pm", "outsider"):
        client = api_as(role)
        assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
        assert theirs.pk not in {row["id"] for row in client.get("/api/v1/notifications/").json()["results"]}
    assert api_as("exec").post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None  # read-all is one's own only


def test_notifications_of_a_portfolio_one_left_are_hidden(notified, people, api_as):
    Membership.objects.filter(user=people["ds"]).delete()
    assert api_as("ds").get("/api/v1/notifications/").json()["count"] == 0


def test_the_page_marks_one_read_with_htmx_and_all_read(notified, people, client):
    client.force_login(people["exec"])
    page = client.get(reverse("notifications"))
    assert page.status_code == 200
    assert "2 unread" in page.content.decode()

    one = Notification.objects.filter(user=people["exec"]).first()
    row = client.post(reverse("notification-read", args=[one.pk]), HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert f'id="notification-{one.pk}"' in row.content.decode() and "Mark read" not in row.content.decode()

    client.post(reverse("notifications-read-all"))
    assert Notification.objects.filter(user=people["exec"], read_at__isnull=True).count() == 0
    assert "All read" in client.get(reverse("notifications")).content.decode()

    other = Notification.objects.get(user=people["ds"])
    assert client.post(reverse("notification-read", args=[other.pk])).status_code == 404


def test_preferences_default_to_in_app_and_are_changed_by_type(people, api_as, client):
    api = api_as("ds")
    rows = api.get("/api/v1/notification-preferences/").json()
    assert len(rows) == len(EventType.values)
    assert {row["channel"] for row in rows} == {"in_app"}

    answer = api.put(
        "/api/v1/notification-preferences/",
        {"preferences": [{"event_type": "gate_review.requested", "channel": "email"}]},
        format="json",
    )
    assert answer.status_code == 200
    assert {row["event_type"]: row["channel"] for row in answer.json()}["gate_review.requested"] == "email"

    refused = api.put(
        "/api/v1/notification-preferences/",
        {"preferences": [{"event_type": "gate_review.requested", "channel": "pigeon"}]},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.json()) >= {"code", "detail"}

    client.force_login(people["ds"])
    form = {event_type: "in_app" for event_type in EventType.values} | {"gate_action.overdue": "digest"}
    assert client.post(reverse("account-notifications"), form).status_code == 302
    chosen = {row["event_type"]: row["channel"] for row in api.get("/api/v1/notification-preferences/").json()}
    assert (chosen["gate_review.requested"], chosen["gate_action.overdue"]) == ("in_app", "digest")


@pytest.mark.django_db(transaction=True)
def test_an_email_preference_sends_one_email_to_a_real_smtp_server(project, people, smtp_server):
    make_consulted(project, people["pm"], people["ds"])
    notification_preferences_set(user=people["ds"], channels={EventType.GATE_REVIEW_REQUESTED: "email"})

    review = open_review(project, people["pm"])  # commit -> dispatch -> email task, all in-process

    [message] = smtp_server.messages
    assert message["to"] == ["ds@example.com"]
    assert message["from"] == "stagegate@example.com"
    assert "Subject: [Stagegate] AML-001: the charter gate review is requested" in message["data"]
    assert f"https://stagegate.example.com/gate-reviews/{review.pk}/" in message["data"]
    sent = Notification.objects.get(user=people["ds"])
    assert sent.emailed_at is not None
    assert Notification.objects.get(user=people["exec"]).emailed_at is None  # exec kept the default: in-app only

    from collaboration.notifications.emails import notification_email_send

    assert notification_email_send(sent.pk) is False  # a redelivered task sends nothing more
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_the_daily_digest_is_one_email_per_person_sent_once(project, people, smtp_server, time_machine):
    time_machine.move_to(timezone.now(), tick=True)
    make_consulted(project, people["pm"], people["ds"])
    notification_preferences_set(
        user=people["exec"],
        channels={EventType.GATE_REVIEW_REQUESTED: "digest", EventType.GATE_REVIEW_VOTE_CAST: "digest"},
    )
    review = open_review(project, people["pm"])
    services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.GO)
    assert smtp_server.messages == []  # digest notifications wait for the digest

    time_machine.move_to(timezone.now() + datetime.timedelta(seconds=5))
    assert digests_send() == 1
    [digest] = smtp_server.messages
    assert digest["to"] == ["exec@example.com"]
    assert "Your daily digest: 2 notifications" in digest["data"]
    assert "AML-001: the charter gate review is requested" in digest["data"]
    assert "AML-001: a go vote on the charter gate review" in digest["data"]

    assert digests_send() == 0  # the next run finds nothing left to carry
    assert len(smtp_server.messages) == 1
