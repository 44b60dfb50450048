"""The inbox through HTTP: GET /api/v1/inbox/ and /inbox/ hold the selector's rows and nobody else's; the navigation
badge counts them; the homes open with the "Waiting for you" card; evidence is asked and withdrawn through the API
and the review page, by the people allowed to, and a refused request leaves nothing behind."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from collaboration.inbox.selectors import inbox_rows
from metrics.evidence.models import EvidenceRequest
from metrics.evidence.services.requests import evidence_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    def make(name: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[name])
        return client

    return make


def test_the_api_lists_the_callers_rows_paginated_and_by_kind(review, people, api):
    asked = evidence_request(actor=people["pm"], review=review, asked=people["ds"])
    body = api("ds").get("/api/v1/inbox/").json()
    assert body["count"] == 2 and body["next"] is None
    assert [row["id"] for row in body["results"]] == [f"vote-{review.pk}", f"evidence-{asked.pk}"]
    assert [row.id for row in inbox_rows(people["ds"])] == [row["id"] for row in body["results"]]
    vote = body["results"][0]
    assert vote["url"] == f"/gate-reviews/{review.pk}/" and vote["project_code"] == "AML-001"
    assert vote["due_date"] is None and vote["overdue"] is False
    only = api("ds").get("/api/v1/inbox/", {"kind": "evidence"}).json()
    assert [row["id"] for row in only["results"]] == [f"evidence-{asked.pk}"]
    wrong = api("ds").get("/api/v1/inbox/", {"kind": "gossip"})
    assert wrong.status_code == 400 and wrong.json()["code"] and "kind" in str(wrong.json())


def test_nobody_sees_another_portfolios_rows_through_the_api_or_the_page(review, people, api, client):
    assert api("outsider").get("/api/v1/inbox/").json()["count"] == 0
    client.force_login(people["outsider"])
    page = client.get("/inbox/").content.decode()
    assert "AML-001" not in page and 'data-empty="inbox"' in page
    assert 'data-testid="inbox-badge"' not in page


def test_the_page_groups_the_rows_and_the_badge_counts_them_on_every_page(review, people, client):
    evidence_request(actor=people["pm"], review=review, asked=people["ds"])
    client.force_login(people["ds"])
    page = client.get("/inbox/").content.decode()
    groups = re.findall(r'data-inbox-group="(\w+)"', page)
    assert groups == ["vote", "evidence"]
    assert len(re.findall(r"data-inbox-row=", page)) == 2
    for url in ("/inbox/", "/projects/", f"/gate-reviews/{review.pk}/"):
        badge = re.search(r'data-testid="inbox-badge">(\d+)<', client.get(url).content.decode())
        assert badge and int(badge[1]) == len(inbox_rows(people["ds"])) == 2, url


def test_every_home_opens_with_the_waiting_card(review, people, client):
    for name, home in (("exec", "/dashboards/portfolio/"), ("pm", "/home/manager/"), ("ds", "/home/evidence/")):
        client.force_login(people[name])
        page = client.get(home).content.decode()
        main = page[page.index('id="main"') :]
        assert main.index('data-testid="waiting-card"') < main.index("<h1"), name
    client.force_login(people["exec"])
    page = client.get("/dashboards/portfolio/").content.decode()
    assert '<span data-testid="decisions-waiting">1 decision waiting</span>' in page


def test_evidence_is_asked_listed_and_withdrawn_through_the_api(review, people, api):
    url = f"/api/v1/gate-reviews/{review.pk}/evidence-requests/"
    created = api("exec").post(url, {"asked": people["ds"].pk, "note": "The final run"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["asked"]["username"], body["status"], body["note"]) == ("ds", "open", "The final run")
    again = api("pm").post(url, {"asked": people["ds"].pk}, format="json")
    assert again.status_code == 409 and again.json()["code"]
    listed = api("ds").get(url).json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    withdrawn = api("pm").post(f"{url}{body['id']}/withdraw/", {"reason": "Not needed"}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert inbox_rows(people["ds"], kind=None)[-1].kind.value == "vote"


def test_refused_evidence_requests_leave_nothing_behind(review, people, api):
    url = f"/api/v1/gate-reviews/{review.pk}/evidence-requests/"
    assert api("ds").post(url, {"asked": people["architect"].pk}, format="json").status_code == 403
    assert api("outsider").post(url, {"asked": people["ds"].pk}, format="json").status_code == 404
    not_member = api("pm").post(url, {"asked": people["outsider"].pk}, format="json")
    assert not_member.status_code == 400 and not_member.json()["code"]
    cannot_attach = api("pm").post(url, {"asked": people["exec"].pk}, format="json")  # executives attach nothing
    assert cannot_attach.status_code == 400
    assert not EvidenceRequest.objects.exists()


def test_the_review_page_asks_for_evidence_and_withdraws_it(review, people, client):
    client.force_login(people["pm"])
    page = client.get(f"/gate-reviews/{review.pk}/").content.decode()
    assert 'data-testid="evidence-request-form"' in page
    response = client.post(f"/gate-reviews/{review.pk}/evidence-requests/", {"asked": people["ds"].pk, "note": "x"})
    assert response.status_code == 302
    asked = EvidenceRequest.objects.get()
    assert asked.asked == people["ds"] and asked.is_open
    client.post(f"/gate-reviews/{review.pk}/evidence-requests/{asked.pk}/withdraw/")
    asked.refresh_from_db()
    assert asked.status == "withdrawn"
    client.force_login(people["ds"])  # a reviewer who may not ask sees no form
    assert 'data-testid="evidence-request-form"' not in client.get(f"/gate-reviews/{review.pk}/").content.decode()
