"""projects/{id}/charter/: ETag and version-based optimistic concurrency; versions."""

import pytest

from lifecycle import services
from lifecycle.models import AuditRecord, Charter, CharterVersion


def url(project) -> str:
    return f"/api/v1/projects/{project.pk}/charter/"


METRIC = {
    "name": "Churn rate",
    "definition": "Share of customers leaving per month",
    "baseline": "4.5000",
    "target": "3.0000",
    "unit": "%",
    "due_date": "2026-09-30",
}


def test_get_returns_content_version_and_etag(pm_client, project):
    response = pm_client.get(url(project))
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v1"'
    body = response.json()
    assert body["version"] == 1
    assert body["project"] == project.pk
    assert body["success_metrics"] == []
    assert body["expected_roi"] is None


def test_patch_with_body_version_saves_a_new_version(pm_client, project, people):
    response = pm_client.patch(
        url(project),
        {
            "version": 1,
            "objective": "Reduce churn",
            "goal_type": "classification",
            "expected_benefit": "300000.00",
            "expected_cost": "100000.00",
            "success_metrics": [METRIC],
            "note": "First draft",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.headers["ETag"] == '"v2"'
    body = response.json()
    assert (body["version"], body["objective"], body["goal_type"]) == (2, "Reduce churn", "classification")
    assert body["expected_roi"] == "2.0000"
    assert body["success_metrics"] == [METRIC]
    assert body["updated_by"] == {"id": people["pm"].pk, "username": "pm", "full_name": "pm"}
    version = CharterVersion.objects.get(charter__project=project, number=2)
    assert version.note == "First draft"
    assert version.content["success_metrics"][0]["name"] == "Churn rate"
    assert AuditRecord.objects.filter(project=project, action="charter.update").count() == 1


def test_patch_with_if_match(pm_client, project):
    etag = pm_client.get(url(project)).headers["ETag"]
    response = pm_client.patch(url(project), {"objective": "A"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v2"'
    weak = pm_client.patch(url(project), {"objective": "B"}, format="json", HTTP_IF_MATCH='W/"v2"')
    assert weak.status_code == 200
    assert Charter.objects.get(project=project).objective == "B"


def test_stale_body_version_is_409_with_the_current_version_and_nothing_changes(pm_client, project, people, unchanged):
    services.charter_update(actor=people["pm"], project=project, base_version=1, changes={"objective": "Theirs"})
    with unchanged():
        response = pm_client.patch(url(project), {"version": 1, "objective": "Mine"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_edit"
    assert body["current_version"] == 2
    assert body["errors"] == {"current_version": 2}
    assert body["current"]["objective"] == "Theirs"
    charter = Charter.objects.get(project=project)
    assert (charter.version, charter.objective) == (2, "Theirs")


def test_stale_if_match_is_412_and_nothing_changes(pm_client, project, people, unchanged):
    etag = pm_client.get(url(project)).headers["ETag"]
    services.charter_update(actor=people["pm"], project=project, base_version=1, changes={"objective": "Theirs"})
    with unchanged():
        response = pm_client.patch(url(project), {"objective": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 412
    body = response.json()
    assert body["code"] == "precondition_failed"
    assert body["current_version"] == 2
    assert body["current"]["objective"] == "Theirs"
    assert Charter.objects.get(project=project).objective == "Theirs"


def test_patch_without_version_or_if_match_is_428(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.patch(url(project), {"objective": "Blind write"}, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert "version" in response.json()["detail"]


@pytest.mark.parametrize("header", ["*", '"1"', '"abc"', '"v"', '"v99999999999999"'])
def test_unusable_if_match_is_400(pm_client, project, header, unchanged):
    with unchanged():
        response = pm_client.patch(url(project), {"objective": "X"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert response.json()["errors"] == {"If-Match": "Not a charter ETag."}


def test_version_and_if_match_that_disagree_are_400(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.patch(url(project), {"version": 3, "objective": "X"}, format="json", HTTP_IF_MATCH='"v1"')
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"goal_type": "telepathy"}, "goal_type"),
        ({"expected_cost": "-5"}, "expected_cost"),
        ({"expected_cost": "1e20"}, "expected_cost"),
        ({"objective": "x" * 20_001}, "objective"),
        ({"success_metrics": [{"definition": "no name"}]}, "success_metrics"),
        ({"success_metrics": [{**METRIC, "due_date": "10000-01-01"}]}, "success_metrics"),
        ({"data_sources": [{"name": "CRM", "link": "not a url"}]}, "data_sources"),
        ({"milestones": "not a list"}, "milestones"),
        ({"version": "two"}, "version"),
        ({"version": 2**40}, "version"),
    ],
)
def test_invalid_charter_input_is_400_naming_the_field(pm_client, project, body, field, unchanged):
    with unchanged():
        response = pm_client.patch(url(project), {"version": 1, **body}, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_versions_list_and_detail(pm_client, project, people):
    services.charter_update(
        actor=people["pm"], project=project, base_version=1, changes={"objective": "Two"}, note="second"
    )
    listed = pm_client.get(f"{url(project)}versions/")
    assert listed.status_code == 200
    assert [(v["number"], v["note"]) for v in listed.json()["results"]] == [
        (2, "second"),
        (1, "Created with the project"),
    ]
    detail = pm_client.get(f"{url(project)}versions/2/")
    assert detail.status_code == 200
    assert detail.json()["content"]["objective"] == "Two"
    assert pm_client.get(f"{url(project)}versions/3/").status_code == 404
