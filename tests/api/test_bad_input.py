"""Bad input is always a 4xx JSON body that says what is wrong, never a 500, and changes nothing."""

import pytest


def _urls(project, review):
    return {
        "create": ("post", "/api/v1/projects/"),
        "update": ("patch", f"/api/v1/projects/{project.pk}/"),
        "charter": ("patch", f"/api/v1/projects/{project.pk}/charter/"),
        "raci": ("patch", f"/api/v1/projects/{project.pk}/raci/"),
        "activity": ("post", f"/api/v1/projects/{project.pk}/activities/"),
        "artifact": ("post", f"/api/v1/projects/{project.pk}/artifacts/"),
        "waive": ("post", f"/api/v1/projects/{project.pk}/artifacts/waive/"),
        "request": ("post", f"/api/v1/projects/{project.pk}/gate-reviews/"),
        "vote": ("post", f"/api/v1/gate-reviews/{review.pk}/votes/"),
        "decide": ("post", f"/api/v1/gate-reviews/{review.pk}/decide/"),
        "resume": ("post", f"/api/v1/projects/{project.pk}/resume/"),
    }


BODIES = {
    "malformed json": '{"name": ',
    "a list": "[1, 2, 3]",
    "a string": '"hello"',
    "null": "null",
    "wrong types": '{"name": 5, "version": "x", "cells": {}, "vote": [], "decision": {}, "phase": 3, "reason": []}',
    "nul bytes": (
        '{"name": "a\\u0000b", "code": "X\\u0000", "reason": "\\u0000", "note": "\\u0000", "objective": "\\u0000"}'
    ),
}


@pytest.mark.parametrize("body_name", list(BODIES))
def test_junk_bodies_are_400_json_on_every_write(client_for, project, open_review, body_name, unchanged):
    pm, executive = client_for("pm"), client_for("exec")
    for name, (method, url) in _urls(project, open_review).items():
        client = executive if name in {"vote", "decide", "waive", "resume"} else pm
        with unchanged():
            response = getattr(client, method)(url, BODIES[body_name], content_type="application/json")
        assert 400 <= response.status_code < 500, (name, body_name, response.status_code)
        assert response.status_code != 404, (name, body_name)
        body = response.json()
        assert body["code"] and body["detail"], (name, body_name, body)


def test_unsupported_content_type_is_415(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.patch(f"/api/v1/projects/{project.pk}/", "name=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x" * 10_000},
        {"ideation_date": "2026-02-30"},
        {"ideation_date": "99999-01-01"},
        {"start_date": "0000-01-01"},
        {"owner": 2**63},
        {"owner": -1},
        {"business_unit": 999_999},
        {"strategic_goal": "abc"},
        {"risk_tier": "extreme"},
        {"overall_rag": None},
    ],
)
def test_project_update_field_errors(pm_client, project, body, unchanged):
    with unchanged():
        response = pm_client.patch(f"/api/v1/projects/{project.pk}/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(body)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/projects/99999999999999999999999/",
        "/api/v1/projects/9223372036854775808/charter/",
        "/api/v1/gate-reviews/123456789/",
        "/api/v1/artifact-versions/0/download/",
        "/api/v1/activities/-1/",
    ],
)
def test_ids_that_do_not_exist_are_404_json(pm_client, project, url):
    response = pm_client.get(url)
    assert response.status_code == 404
    if "-1" not in url:  # "-1" does not even match the route: Django's own 404 page
        assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_unknown_artifact_type_slug_is_400(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.post(
            f"/api/v1/projects/{project.pk}/artifacts/",
            {"artifact_type": "x" * 500, "url": "https://e.example"},
            format="json",
        )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["artifact_type"]


def test_huge_pages_and_queries(pm_client, project):
    assert pm_client.get("/api/v1/projects/?page=99999999999999999999").status_code == 404
    assert list(pm_client.get("/api/v1/projects/?q=" + "x" * 5000).json()["errors"]) == ["q"]  # capped: 400
    assert pm_client.get("/api/v1/projects/?q=" + "x" * 200).json()["count"] == 0
    assert pm_client.get("/api/v1/projects/?q=%00").status_code == 400
