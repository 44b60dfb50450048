"""Gate reviews through the API: request (refused while artifacts are missing), vote, decide."""

import datetime

import pytest

from lifecycle.models import GateAction, GateReview, GateVote, PhaseTransition, Project, RaciAssignment
from tests.factories import provide_required_artifacts


def reviews_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/gate-reviews/"


def test_request_with_missing_artifacts_is_409_listing_them(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.post(reviews_url(project), {"note": "Ready?"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "missing_artifacts"
    assert body["errors"]["missing_artifacts"] == [
        {"slug": "data-dictionary", "name": "Data dictionary"},
        {"slug": "data-sources", "name": "Data sources"},
        {"slug": "project-charter", "name": "Project charter"},
        {"slug": "project-repository", "name": "Project repository"},
        {"slug": "ssot", "name": "Single source of truth"},
    ]
    assert "Data dictionary" in body["detail"]


def test_request_opens_the_review_of_the_current_phase(pm_client, project, people):
    provide_required_artifacts(project, people["pm"])
    response = pm_client.post(reviews_url(project), {"note": "All there"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["phase"], body["status"], body["decision"], body["request_note"]) == (
        "charter",
        "open",
        "",
        "All there",
    )
    assert body["gate_name"] == "Charter approval"
    assert [c["key"] for c in body["criteria"]] == [
        "objective_clarity",
        "success_metrics",
        "operationalization",
        "business_value",
    ]
    assert (body["accountable"], body["consulted"]) == (people["exec"].pk, [])
    listed = pm_client.get(reviews_url(project)).json()
    assert [(r["id"], r["status"]) for r in listed] == [(body["id"], "open")]
    assert pm_client.get(f"/api/v1/projects/{project.pk}/").json()["open_reviews"] == 1
    again = pm_client.post(reviews_url(project), {}, format="json")
    assert again.status_code == 409


def test_vote_and_votes_list(exec_client, open_review, people):
    url = f"/api/v1/gate-reviews/{open_review.pk}/votes/"
    response = exec_client.post(
        url, {"vote": "go", "comment": "Clear", "scores": {"objective_clarity": 5, "business_value": 4}}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["vote"], response.json()["scores"]) == ("go", {"objective_clarity": 5, "business_value": 4})
    replaced = exec_client.post(url, {"vote": "recycle"}, format="json")
    assert replaced.status_code == 201
    listed = exec_client.get(url).json()
    assert [(v["voter"]["username"], v["vote"], v["scores"]) for v in listed] == [("exec", "recycle", {})]
    assert GateVote.objects.count() == 1


def test_consulted_reviewer_votes(client_for, project, open_review, people):
    RaciAssignment.objects.create(
        activity=project.activities.get(phase="charter", is_gate=True), user=people["architect"], role="C"
    )
    response = client_for("architect").post(
        f"/api/v1/gate-reviews/{open_review.pk}/votes/", {"vote": "conditional_go"}, format="json"
    )
    assert response.status_code == 201
    detail = client_for("architect").get(f"/api/v1/gate-reviews/{open_review.pk}/").json()
    assert detail["consulted"] == [people["architect"].pk]
    assert [v["vote"] for v in detail["votes"]] == ["conditional_go"]


@pytest.mark.parametrize(
    "body",
    [
        {"vote": "maybe"},
        {"vote": "go", "scores": {"objective_clarity": 6}},
        {"vote": "go", "scores": {"not_a_criterion": 3}},
        {"vote": "go", "scores": {"objective_clarity": "high"}},
        {"vote": "go", "scores": ["objective_clarity"]},
    ],
)
def test_invalid_votes_are_400(exec_client, open_review, body, unchanged):
    with unchanged():
        response = exec_client.post(f"/api/v1/gate-reviews/{open_review.pk}/votes/", body, format="json")
    assert response.status_code == 400


def decide(client, review, **body):
    return client.post(f"/api/v1/gate-reviews/{review.pk}/decide/", body, format="json")


def test_go_moves_to_the_next_phase(exec_client, project, open_review):
    response = decide(exec_client, open_review, decision="go", rationale="Solid")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decision"], body["rationale"]) == ("decided", "go", "Solid")
    assert len(body["evidence"]["artifacts"]) == 5
    project.refresh_from_db()
    assert (project.phase, project.state) == ("exploration", "active")
    transition = PhaseTransition.objects.filter(project=project).last()
    assert (transition.from_phase, transition.to_phase, transition.gate_review_id) == (
        "charter",
        "exploration",
        open_review.pk,
    )


def test_conditional_go_records_conditions(exec_client, project, open_review, people):
    response = decide(
        exec_client,
        open_review,
        decision="conditional_go",
        rationale="With a caveat",
        actions=[{"description": "Sign the DPA", "owner": people["ds"].pk, "due_date": "2026-12-01"}],
    )
    assert response.status_code == 200
    [action] = response.json()["actions"]
    assert (action["kind"], action["description"], action["owner"]["username"], action["due_date"]) == (
        "condition",
        "Sign the DPA",
        "ds",
        "2026-12-01",
    )
    project.refresh_from_db()
    assert (project.phase, project.state) == ("exploration", "active")
    completed = _complete(people, action["id"])
    assert completed.status_code == 200
    assert GateAction.objects.get(pk=action["id"]).completed_at is not None


def _complete(people, action_id):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(people["ds"])
    return client.post(f"/api/v1/gate-actions/{action_id}/complete/")


def test_recycle_stays_in_the_phase_with_rework_items(exec_client, project, open_review, people):
    response = decide(
        exec_client,
        open_review,
        decision="recycle",
        actions=[{"description": "Redo the data dictionary", "owner": people["pm"].pk}],
    )
    assert response.status_code == 200
    assert [a["kind"] for a in response.json()["actions"]] == ["rework"]
    project.refresh_from_db()
    assert (project.phase, project.state) == ("charter", "active")
    assert PhaseTransition.objects.filter(project=project).count() == 1  # only the creation


@pytest.mark.parametrize(("outcome", "state"), [("hold", "on_hold"), ("cancel", "cancelled")])
def test_no_go_holds_or_cancels(exec_client, project, open_review, outcome, state):
    response = decide(exec_client, open_review, decision="no_go", no_go_outcome=outcome, rationale="No data")
    assert response.status_code == 200
    assert response.json()["no_go_outcome"] == outcome
    project.refresh_from_db()
    assert (project.phase, project.state) == ("charter", state)
    assert (project.actual_end_date is not None) == (state == "cancelled")


@pytest.mark.parametrize(
    "body",
    [
        {"decision": "approve"},
        {"decision": "no_go", "rationale": "x"},
        {"decision": "no_go", "no_go_outcome": "hold"},
        {"decision": "go", "no_go_outcome": "hold"},
        {"decision": "conditional_go"},
        {"decision": "conditional_go", "actions": [{"description": "x", "owner": 1}]},
        {"decision": "recycle", "actions": [{"description": "", "owner": 1}]},
        {"decision": "recycle", "actions": [{"description": "x", "owner": 2**70}]},
        {"decision": "recycle", "actions": [{"description": "x", "owner": 1, "due_date": "31/12/2026"}]},
        {"decision": "go", "actions": "none"},
    ],
)
def test_invalid_decisions_are_400_and_change_nothing(exec_client, project, open_review, body, unchanged):
    with unchanged():
        response = exec_client.post(f"/api/v1/gate-reviews/{open_review.pk}/decide/", body, format="json")
    assert response.status_code == 400
    assert Project.objects.get(pk=project.pk).phase == "charter"


def test_a_decided_review_cannot_be_decided_again(exec_client, open_review, unchanged):
    assert decide(exec_client, open_review, decision="go").status_code == 200
    with unchanged():
        again = decide(exec_client, open_review, decision="no_go", no_go_outcome="cancel", rationale="x")
    assert again.status_code == 409
    assert GateReview.objects.get(pk=open_review.pk).decision == "go"


def test_detail_of_a_decided_review_shows_frozen_evidence(exec_client, open_review):
    decide(exec_client, open_review, decision="go")
    body = exec_client.get(f"/api/v1/gate-reviews/{open_review.pk}/").json()
    assert {a["artifact_type"] for a in body["evidence"]["artifacts"]} == {
        "project-charter",
        "data-sources",
        "ssot",
        "data-dictionary",
        "project-repository",
    }
    assert body["decided_by"]["username"] == "exec"
    assert datetime.datetime.fromisoformat(body["decided_at"].replace("Z", "+00:00"))
