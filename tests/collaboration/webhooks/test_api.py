"""The webhooks API: managers of the portfolio create, read, change and delete; a member who is not a manager is
refused (403); an outsider finds nothing (404); the secret is in the create response only; bad input is a 400
naming the field; deliveries are listed newest first with their outcome; redeliver and ping."""

import pytest
from django.utils import timezone

from collaboration.events.catalog import EventType
from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription
from collaboration.webhooks.services import webhook_delivery_attempt
from lifecycle.models import AuditRecord
from tests.factories import PortfolioFactory, UserFactory, member

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"


def create(client, portfolio, **fields):
    body = {"portfolio": portfolio.pk, "url": fields.pop("url"), "event_types": ["project.state_changed"], **fields}
    return client.post(URL, body, format="json")


def test_a_manager_creates_and_sees_the_secret_only_once(api_as, portfolio, people, receiver, allow_loopback):
    pm = api_as("pm")
    response = create(pm, portfolio, url=receiver.url, description="Slack bridge")

    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["event_types"] == ["project.state_changed"] and body["is_active"] is True
    assert body["created_by"] == people["pm"].pk
    [record] = AuditRecord.objects.filter(action="webhook.create")
    assert "secret" not in record.after and record.actor == people["pm"]
    for response in (
        pm.get(URL),
        pm.get(f"{URL}{subscription.pk}/"),
        pm.patch(f"{URL}{subscription.pk}/", {"description": "x"}, format="json"),
    ):
        assert response.status_code == 200
        assert subscription.secret not in response.content.decode()
        assert "secret" not in response.content.decode()


def test_a_manager_changes_and_deletes(api_as, portfolio, people, receiver, allow_loopback):
    pm = api_as("pm")
    pk = create(pm, portfolio, url=receiver.url).json()["id"]

    changed = pm.patch(
        f"{URL}{pk}/",
        {"event_types": ["gate_review.decided", "webhook.disabled"], "is_active": False, "url": receiver.url + "v2"},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["event_types"] == ["gate_review.decided", "webhook.disabled"]
    assert changed.json()["is_active"] is False and changed.json()["url"] == receiver.url + "v2"
    [record] = AuditRecord.objects.filter(action="webhook.update")
    assert record.before["is_active"] is True and record.after["is_active"] is False

    assert pm.delete(f"{URL}{pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert AuditRecord.objects.filter(action="webhook.delete", target_id=str(pk)).count() == 1


def test_reenabling_clears_the_failure_record(api_as, subscribe):
    subscription = subscribe()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, consecutive_failures=5, disabled_at=timezone.now(), disabled_reason="5 deliveries..."
    )

    response = api_as("pm").patch(f"{URL}{subscription.pk}/", {"is_active": True}, format="json")

    assert response.status_code == 200
    assert (response.json()["consecutive_failures"], response.json()["disabled_at"]) == (0, None)
    assert response.json()["disabled_reason"] == ""


def test_a_member_who_is_not_a_manager_is_refused_and_nothing_changes(api_as, subscribe, portfolio, receiver):
    subscription = subscribe()
    ds = api_as("ds")
    detail = f"{URL}{subscription.pk}/"

    assert create(ds, portfolio, url=receiver.url).status_code == 403
    assert ds.get(detail).status_code == 403
    assert ds.patch(detail, {"description": "mine"}, format="json").status_code == 403
    assert ds.delete(detail).status_code == 403
    assert ds.get(f"{detail}deliveries/").status_code == 403
    assert ds.post(f"{detail}ping/").status_code == 403
    assert ds.get(URL).json()["results"] == []  # the list holds the portfolios one manages
    assert WebhookSubscription.objects.count() == 1 and WebhookDelivery.objects.count() == 0
    subscription.refresh_from_db()
    assert subscription.description == "CI"
    assert not AuditRecord.objects.filter(action__startswith="webhook.", actor__username="ds").exists()


def test_an_outsider_finds_nothing(api_as, subscribe, emit, portfolio, receiver):
    subscription = subscribe()
    [delivery] = emit()
    outsider = api_as("outsider")
    detail = f"{URL}{subscription.pk}/"

    assert create(outsider, portfolio, url=receiver.url).status_code == 404
    for response in (
        outsider.get(detail),
        outsider.patch(detail, {"description": "x"}, format="json"),
        outsider.delete(detail),
        outsider.get(f"{detail}deliveries/"),
        outsider.post(f"{detail}deliveries/{delivery.pk}/redeliver/"),
        outsider.post(f"{detail}ping/"),
    ):
        assert response.status_code == 404
    assert outsider.get(URL).json()["results"] == []
    assert WebhookSubscription.objects.get().description == "CI"


def test_a_superuser_manages_any_portfolio(subscribe):
    from rest_framework.test import APIClient

    subscription = subscribe()
    client = APIClient()
    client.force_authenticate(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert [row["id"] for row in client.get(URL).json()["results"]] == [subscription.pk]
    assert client.get(f"{URL}{subscription.pk}/").status_code == 200


def test_the_list_holds_only_the_managed_portfolios(api_as, subscribe, people, allow_loopback):
    from collaboration.webhooks.services import webhook_subscription_create

    mine = subscribe()
    elsewhere = PortfolioFactory(name="Elsewhere", slug="elsewhere")
    stranger = member(elsewhere, "project_manager", "stranger-pm")
    webhook_subscription_create(
        actor=stranger, portfolio=elsewhere, url="http://127.0.0.1:9/x", event_types=[EventType.GATE_REVIEW_DECIDED]
    )

    assert [row["id"] for row in api_as("pm").get(URL).json()["results"]] == [mine.pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/hook"}, "url"),
        ({"url": "https://user:pw@example.com/hook"}, "url"),
        ({"url": "http://127.0.0.1:8000/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
        ({"url": "http://[::1]/hook"}, "url"),
        ({"url": "http://10.1.2.3/hook"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://example.com/" + "x" * 600}, "url"),
        ({"event_types": []}, "event_types"),
        ({"event_types": ["webhook.ping"]}, "event_types"),
        ({"event_types": ["nonsense"]}, "event_types"),
        ({"event_types": "project.state_changed"}, "event_types"),
        ({"description": "x" * 201}, "description"),
        ({"portfolio": 2**70}, "portfolio"),
        ({"portfolio": "abc"}, "portfolio"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_as, portfolio, body, field):
    payload = {"portfolio": portfolio.pk, "url": "http://127.0.0.1:8000/hook", "event_types": ["project.state_changed"]}
    payload["url"] = "https://93.184.215.14/hook"  # a public address literal: no DNS needed
    response = api_as("pm").post(URL, {**payload, **body}, format="json")

    assert response.status_code == 400, response.content
    text = response.content.decode()
    assert f'"{field}"' in text
    assert not WebhookSubscription.objects.exists()


def test_a_patch_to_a_private_address_is_refused_naming_url(api_as, subscribe, settings):
    subscription = subscribe()
    settings.STAGEGATE_WEBHOOK_ALLOW_PRIVATE = False

    response = api_as("pm").patch(f"{URL}{subscription.pk}/", {"url": "http://192.168.1.10/x"}, format="json")

    assert response.status_code == 400 and "url" in response.json()["errors"]
    subscription.refresh_from_db()
    assert subscription.url.startswith("http://127.0.0.1:")


def test_deliveries_list_status_attempts_timing_and_excerpt_newest_first(api_as, subscribe, emit, receiver):
    subscription = subscribe()
    receiver.plan = ["fail"]
    [older] = emit()
    webhook_delivery_attempt(older.pk)
    [newer] = emit()
    webhook_delivery_attempt(newer.pk)

    response = api_as("pm").get(f"{URL}{subscription.pk}/deliveries/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["id"], first["status"], first["attempts"], first["response_status"]) == (
        newer.pk,
        "succeeded",
        1,
        200,
    )
    assert first["response_excerpt"] == '{"ok": true}' and isinstance(first["response_ms"], int)
    assert first["event_id"] == str(newer.event.public_id) and first["event_type"] == "project.state_changed"
    assert (second["id"], second["status"], second["error"]) == (older.pk, "failed", "HTTP 500")
    assert second["response_excerpt"] == "receiver says no" and second["next_attempt_at"] is not None


def test_redeliver_through_the_api_sends_the_same_webhook_id(
    api_as, subscribe, emit, receiver, people, django_capture_on_commit_callbacks
):
    subscription = subscribe()
    [delivery] = emit()
    webhook_delivery_attempt(delivery.pk)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("pm").post(f"{URL}{subscription.pk}/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 202 and response.json()["id"] == delivery.pk
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    assert [request["headers"]["webhook-id"] for request in receiver.requests] == [str(delivery.event.public_id)] * 2
    assert receiver.duplicates == [str(delivery.event.public_id)]


def test_redeliver_of_another_subscriptions_delivery_is_404(api_as, subscribe, emit):
    first = subscribe()
    second = subscribe()
    [one, two] = emit()
    assert (one.subscription_id, two.subscription_id) == (first.pk, second.pk)

    response = api_as("pm").post(f"{URL}{first.pk}/deliveries/{two.pk}/redeliver/")

    assert response.status_code == 404


def test_ping_through_the_api_is_signed_and_recorded(api_as, subscribe, receiver, django_capture_on_commit_callbacks):
    subscription = subscribe()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_as("pm").post(f"{URL}{subscription.pk}/ping/")

    assert response.status_code == 202 and response.json()["event_type"] == "webhook.ping"
    delivery = WebhookDelivery.objects.get(pk=response.json()["id"])
    assert delivery.status == "succeeded"
    [request] = receiver.requests
    assert request["verified"] and request["message"]["type"] == "webhook.ping"
    assert AuditRecord.objects.filter(action="webhook.ping").count() == 1


def test_the_schema_documents_each_event_types_payload():
    from collaboration.events.catalog import CATALOG
    from tests.api.fuzzing import generated_schema

    webhooks = generated_schema()["x-webhooks"]
    assert set(webhooks) == set(CATALOG)
    decided = webhooks["gate_review.decided"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert decided["properties"]["type"]["enum"] == ["gate_review.decided"]
    assert {"review_id", "decision", "event_id", "project_code"} <= set(decided["properties"]["data"]["properties"])
    headers = {parameter["name"] for parameter in webhooks["gate_review.decided"]["post"]["parameters"]}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers


def test_redeliver_to_a_switched_off_webhook_is_a_409_and_changes_nothing(api_as, subscribe, emit, receiver):
    subscription = subscribe()
    receiver.plan = ["fail"]
    [delivery] = emit()
    webhook_delivery_attempt(delivery.pk)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False)

    response = api_as("pm").post(f"{URL}{subscription.pk}/deliveries/{delivery.pk}/redeliver/")

    assert response.status_code == 409 and response.json()["code"] == "transition_not_allowed"
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"
    assert not AuditRecord.objects.filter(action="webhook.redeliver").exists()


@pytest.mark.django_db
def test_the_schema_with_its_webhooks_is_served_as_yaml_and_json(client):
    """/api/schema/ answers YAML by default (Redoc and Swagger UI load it): the webhook section must render there."""
    yaml_answer = client.get("/api/schema/")
    json_answer = client.get("/api/schema/?format=json")

    assert yaml_answer.status_code == json_answer.status_code == 200
    assert "x-webhooks:" in yaml_answer.content.decode() and "gate_review.decided:" in yaml_answer.content.decode()
    assert "gate_review.decided" in json_answer.json()["x-webhooks"]
