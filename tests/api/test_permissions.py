"""Every role against every API action: the status code, and that a refusal changed nothing.

Roles: pm (project manager), exec (sponsor: the gates' Accountable), ds (data scientist), architect
(solution architect), outsider (a PM of another portfolio), anonymous (no credentials).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lifecycle import services
from tests.api.conftest import ROLES, db_fingerprint
from tests.factories import provide_required_artifacts


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: Any = None
    format: str = "json"


def _create(project, people):
    return Call(
        "post",
        "/api/v1/projects/",
        {
            "code": "AML-900",
            "name": "New",
            "portfolio": project.portfolio_id,
            "owner": people["pm"].pk,
            "sponsor": people["exec"].pk,
            "ideation_date": "2026-02-01",
        },
    )


def _gate_activity(project):
    return project.activities.get(phase="charter", is_gate=True)


def _open_review(project, people):
    provide_required_artifacts(project, people["pm"])
    return services.gate_review_request(actor=people["pm"], project=project)


def _on_hold(project, people):
    review = _open_review(project, people)
    services.gate_decide(actor=people["exec"], review=review, decision="no_go", no_go_outcome="hold", rationale="x")


def _upload(project, people):
    return Call(
        "post",
        f"/api/v1/projects/{project.pk}/artifacts/",
        {"artifact_type": "data-sources", "file": SimpleUploadedFile("d.md", b"# data\n")},
        "multipart",
    )


def _gate_request(project, people):
    provide_required_artifacts(project, people["pm"])
    return Call("post", f"/api/v1/projects/{project.pk}/gate-reviews/", {"note": "go?"})


def _vote(project, people):
    return Call("post", f"/api/v1/gate-reviews/{_open_review(project, people).pk}/votes/", {"vote": "go"})


def _decide(project, people):
    return Call("post", f"/api/v1/gate-reviews/{_open_review(project, people).pk}/decide/", {"decision": "go"})


def _resume(project, people):
    _on_hold(project, people)
    return Call("post", f"/api/v1/projects/{project.pk}/resume/", {"reason": "back on"})


def _complete(project, people):
    review = _open_review(project, people)
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision="recycle",
        actions=[services.gates.ActionInput(description="Fix", owner_id=people["ds"].pk)],
    )
    return Call("post", f"/api/v1/gate-actions/{review.actions.get().pk}/complete/")


# action -> (builds the request, the status each role gets)
MANAGE = {"pm": None, "exec": 403, "ds": 403, "architect": 403, "outsider": 404, "anonymous": 401}
ACTIONS: dict[str, tuple[Callable[..., Call], int, dict[str, int | None]]] = {
    "project.create": (_create, 201, {**MANAGE, "outsider": 400}),
    "project.update": (lambda p, _: Call("patch", f"/api/v1/projects/{p.pk}/", {"name": "Renamed"}), 200, MANAGE),
    "charter.update": (
        lambda p, _: Call("patch", f"/api/v1/projects/{p.pk}/charter/", {"version": 1, "objective": "New"}),
        200,
        MANAGE,
    ),
    "raci.update": (
        lambda p, people: Call(
            "patch",
            f"/api/v1/projects/{p.pk}/raci/",
            {"cells": [{"activity": _gate_activity(p).pk, "user": people["ds"].pk, "role": "C"}]},
        ),
        200,
        MANAGE,
    ),
    "activity.add": (
        lambda p, _: Call("post", f"/api/v1/projects/{p.pk}/activities/", {"phase": "charter", "name": "Extra"}),
        201,
        MANAGE,
    ),
    "activity.rename": (
        lambda p, _: Call("patch", f"/api/v1/activities/{p.activities.first().pk}/", {"name": "Renamed", "done": True}),
        200,
        MANAGE,
    ),
    "activity.remove": (lambda p, _: Call("delete", f"/api/v1/activities/{p.activities.first().pk}/"), 204, MANAGE),
    "artifact.upload": (_upload, 201, {**MANAGE, "ds": None, "architect": None}),
    "artifact.waive": (
        lambda p, _: Call(
            "post", f"/api/v1/projects/{p.pk}/artifacts/waive/", {"artifact_type": "ssot", "reason": "r"}
        ),
        201,
        {**MANAGE, "pm": 403, "exec": None},
    ),
    "gate.request": (_gate_request, 201, MANAGE),
    "gate.vote": (_vote, 201, {**MANAGE, "pm": 403, "exec": None}),
    "gate.decide": (_decide, 200, {**MANAGE, "pm": 403, "exec": None}),
    "gate.action_complete": (_complete, 200, {**MANAGE, "pm": None, "ds": None}),
    "project.resume": (_resume, 200, {**MANAGE, "pm": 403, "exec": None}),
}


def _send(client, call: Call):
    method = getattr(client, call.method)
    if call.body is None:
        return method(call.url)
    return method(call.url, call.body, format=call.format)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(action, role, project, people, client_for):
    build, success, expected = ACTIONS[action]
    call = build(project, people)
    before = db_fingerprint()
    response = _send(client_for(role), call)
    wanted = expected[role] or success
    assert response.status_code == wanted, response.content
    if wanted == success:
        assert db_fingerprint() != before
    else:
        assert db_fingerprint() == before
        assert response.json()["code"] in {"not_allowed", "not_found", "not_authenticated", "invalid"}


READS = [
    "/api/v1/projects/{p}/",
    "/api/v1/projects/{p}/charter/",
    "/api/v1/projects/{p}/charter/versions/",
    "/api/v1/projects/{p}/charter/versions/1/",
    "/api/v1/projects/{p}/raci/",
    "/api/v1/projects/{p}/activities/",
    "/api/v1/projects/{p}/artifacts/",
    "/api/v1/projects/{p}/gate-reviews/",
    "/api/v1/projects/{p}/history/",
    "/api/v1/gate-reviews/{r}/",
    "/api/v1/gate-reviews/{r}/votes/",
    "/api/v1/artifact-versions/{v}/",
    "/api/v1/artifact-versions/{v}/download/",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_outsiders_get_404_anonymous_401(role, project, people, client_for):
    review = _open_review(project, people)
    version = review.project.artifacts.first().versions.first()
    client = client_for(role)
    expected = {"outsider": 404, "anonymous": 401}.get(role, 200)
    for template in READS:
        url = template.format(p=project.pk, r=review.pk, v=version.pk)
        assert client.get(url).status_code == expected, url
