"""Scrum through the API: teams, the sprint lifecycle (start, close, reopen), work items with their change log,
retrospective actions and mood votes; who may do what, and that a refusal changes nothing."""

import pytest

from metrics.scrum.models import MoodVote, Sprint, Team, WorkItem, WorkItemChange
from tests.api.metrics_world import api_refused, at, build_scrum

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def scrum(project, people):
    return build_scrum(project, people)


@pytest.mark.parametrize("role", ["pm", "exec", "ds", "architect", "product"])
def test_teams_are_created_by_the_portfolios_managers(project, people, client_for, role):
    payload = {"portfolio": project.portfolio_id, "name": "Vision", "project": project.pk, "members": [people["ds"].pk]}
    client = client_for(role)
    if role != "pm":
        api_refused(lambda: client.post("/api/v1/teams/", payload, format="json"), 403)
        return
    response = client.post("/api/v1/teams/", payload, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["members"]) == ("Vision", [people["ds"].pk])
    assert Team.objects.get().project == project


def test_a_team_in_another_portfolio_or_with_strangers_is_refused(project, people, client_for):
    stranger = {"portfolio": project.portfolio_id, "name": "X", "members": [people["outsider"].pk]}
    body = api_refused(lambda: client_for("pm").post("/api/v1/teams/", stranger, format="json"), 400).json()
    assert "members" in body["errors"]
    elsewhere = {"portfolio": people["outsider"].memberships.get().portfolio_id, "name": "X"}
    body = api_refused(lambda: client_for("pm").post("/api/v1/teams/", elsewhere, format="json"), 400).json()
    assert "portfolio" in body["errors"]


@pytest.mark.parametrize(("role", "allowed"), [("pm", True), ("ds", True), ("exec", False), ("product", False)])
def test_sprints_are_planned_by_managers_and_team_members(scrum, client_for, role, allowed):
    payload = {
        "team": scrum["team"].pk,
        "name": "Sprint 2",
        "planned_start": "2026-03-16",
        "planned_end": "2026-03-27",
    }
    if not allowed:
        api_refused(lambda: client_for(role).post("/api/v1/sprints/", payload, format="json"), 403)
        return
    response = client_for(role).post("/api/v1/sprints/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "planned"


def test_sprint_lifecycle_start_close_reopen(scrum, client_for):
    sprint = scrum["sprint"]  # active since build_scrum
    url = f"/api/v1/sprints/{sprint.pk}/"
    body = api_refused(lambda: client_for("pm").post(f"{url}start/", {}, format="json"), 409).json()
    assert body["code"] == "transition_not_allowed"
    api_refused(lambda: client_for("exec").post(f"{url}close/", {}, format="json"), 403)
    api_refused(lambda: client_for("outsider").post(f"{url}close/", {}, format="json"), 404)
    closed = client_for("ds").post(f"{url}close/", {"at": "2026-03-13T17:00:00Z"}, format="json")
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == "closed"
    assert (closed.json()["summary"]["commitment"], closed.json()["summary"]["completed"]) == (3.0, 0.0)
    api_refused(lambda: client_for("pm").post(f"{url}reopen/", {}, format="json"), 400)  # a reason is required
    reopened = client_for("pm").post(f"{url}reopen/", {"reason": "Late acceptance"}, format="json")
    assert reopened.status_code == 200, reopened.content
    assert (reopened.json()["state"], reopened.json()["reopen_count"]) == ("active", 1)
    listed = client_for("exec").get("/api/v1/sprints/", {"team": scrum["team"].pk, "state": "active"}).json()
    assert [row["id"] for row in listed["results"]] == [sprint.pk]


def test_work_item_create_update_and_read_only_change_log(scrum, people, client_for):
    payload = {
        "team": scrum["team"].pk,
        "key": "ML-2",
        "title": "Evaluate",
        "item_type": "story",
        "points": "5",
        "sprint": scrum["sprint"].pk,
        "at": "2026-03-03T09:00:00Z",
    }
    api_refused(lambda: client_for("exec").post("/api/v1/work-items/", payload, format="json"), 403)
    created = client_for("architect").post("/api/v1/work-items/", payload, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/work-items/{created.json()['id']}/"
    done = {"state_group": "done", "points": "8", "at": "2026-03-04T09:00:00Z"}
    api_refused(lambda: client_for("product").patch(url, done, format="json"), 403)
    updated = client_for("ds").patch(url, done, format="json")
    assert updated.status_code == 200, updated.content
    assert (updated.json()["state_group"], updated.json()["points"]) == ("done", "8.0")
    changes = client_for("exec").get(f"{url}changes/").json()
    assert [(c["state_group"], c["points"], c["changed"]) for c in changes] == [
        ("backlog", "5.0", ["sprint", "state_group", "points", "item_type"]),
        ("done", "8.0", ["state_group", "points"]),
    ]
    assert client_for("pm").post(f"{url}changes/", {}, format="json").status_code == 405
    earlier = {"points": "1", "at": "2026-03-03T10:00:00Z"}
    api_refused(lambda: client_for("ds").patch(url, earlier, format="json"), 400)  # before its last change
    listed = client_for("pm").get("/api/v1/work-items/", {"sprint": scrum["sprint"].pk, "state_group": "done"})
    assert [row["key"] for row in listed.json()["results"]] == ["ML-2"]
    assert WorkItemChange.objects.filter(item__key="ML-2").count() == 2


def test_nothing_enters_a_closed_sprint(scrum, people, client_for):
    sprint = scrum["sprint"]
    client_for("pm").post(f"/api/v1/sprints/{sprint.pk}/close/", {}, format="json")
    payload = {"team": scrum["team"].pk, "key": "ML-9", "title": "Late", "sprint": sprint.pk}
    api_refused(lambda: client_for("pm").post("/api/v1/work-items/", payload, format="json"), 409)
    assert not WorkItem.objects.filter(key="ML-9").exists()


def test_a_sprint_of_another_portfolio_is_not_found_in_a_body(scrum, client_for):
    payload = {"team": scrum["team"].pk, "key": "ML-3", "title": "X", "sprint": 10**6}
    body = api_refused(lambda: client_for("pm").post("/api/v1/work-items/", payload, format="json"), 400).json()
    assert "sprint" in body["errors"]
    huge = {**payload, "sprint": 2**70}
    api_refused(lambda: client_for("pm").post("/api/v1/work-items/", huge, format="json"), 400)


def test_retro_actions_raised_and_closed(scrum, people, client_for):
    payload = {"sprint": scrum["sprint"].pk, "text": "Automate the deploy", "owner": people["ds"].pk}
    api_refused(lambda: client_for("exec").post("/api/v1/retro-actions/", payload, format="json"), 403)
    created = client_for("ds").post("/api/v1/retro-actions/", payload, format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/retro-actions/{created.json()['id']}/close/"
    closed = client_for("architect").post(url, {}, format="json")
    assert closed.status_code == 200 and closed.json()["closed_at"]
    api_refused(lambda: client_for("pm").post(url, {}, format="json"), 409)
    still_open = client_for("pm").get("/api/v1/retro-actions/", {"sprint": scrum["sprint"].pk, "open": "true"})
    assert [row["id"] for row in still_open.json()["results"]] == [scrum["retro"].pk]


def test_mood_is_voted_by_team_members_and_replaced(scrum, people, client_for):
    payload = {"sprint": scrum["sprint"].pk, "score": 2}
    api_refused(lambda: client_for("pm").post("/api/v1/mood-votes/", payload, format="json"), 403)  # not a member
    api_refused(lambda: client_for("ds").post("/api/v1/mood-votes/", {**payload, "score": 6}, format="json"), 400)
    response = client_for("ds").post("/api/v1/mood-votes/", payload, format="json")
    assert response.status_code == 200, response.content
    assert list(MoodVote.objects.values_list("person_id", "score")) == [(people["ds"].pk, 2)]
    votes = client_for("exec").get("/api/v1/mood-votes/", {"sprint": scrum["sprint"].pk}).json()["results"]
    assert [(v["score"], set(v)) for v in votes] == [(2, {"id", "sprint", "score", "voted_at"})]


def test_planned_sprint_has_no_mood_yet(scrum, people, client_for):
    planned = Sprint.objects.create(
        team=scrum["team"], name="Next", planned_start=at(16).date(), planned_end=at(27).date()
    )
    api_refused(
        lambda: client_for("ds").post("/api/v1/mood-votes/", {"sprint": planned.pk, "score": 3}, format="json"), 409
    )
