"""The comments API: each target's thread (list, create), one comment (read, PATCH, DELETE), scoping and 400s."""

import pytest

from collaboration.comments import services
from collaboration.comments.models import Comment
from collaboration.events.catalog import EventType
from collaboration.events.models import Event

pytestmark = pytest.mark.django_db


def _thread_url(kind, target):
    if kind == "charter":
        return f"/api/v1/projects/{target.project_id}/charter/comments/"
    collection = {"gate_review": "gate-reviews", "artifact": "artifacts", "model_alert": "model-alerts"}[kind]
    return f"/api/v1/{collection}/{target.pk}/comments/"


def test_each_target_lists_and_takes_comments(targets, people, api_as):
    client = api_as("ds")
    for kind, target in targets.items():
        url = _thread_url(kind, target)
        created = client.post(url, {"body": f"On {kind}, cc @architect"}, format="json")
        assert created.status_code == 201, (kind, created.json())
        body = created.json()
        assert (body["target_kind"], body["target_id"], body["author"]["username"]) == (kind, target.pk, "ds")
        assert body["mentions"] == ["architect"]
        assert body["url"].endswith(f"#comment-{body['id']}")
        listed = client.get(url).json()
        assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert Event.objects.filter(type=EventType.COMMENT_MENTIONED).count() == 4


def test_patch_and_delete_one_comment(targets, people, api_as):
    comment = services.comment_create(actor=people["ds"], target=targets["gate_review"], body="Draft")
    url = f"/api/v1/comments/{comment.pk}/"
    edited = api_as("ds").patch(url, {"body": "Final, @pm"}, format="json")
    assert edited.status_code == 200
    assert (edited.json()["body"], edited.json()["mentions"]) == ("Final, @pm", ["pm"])
    assert edited.json()["edited_at"] is not None
    assert api_as("pm").patch(url, {"body": "Not mine"}, format="json").status_code == 403
    assert api_as("exec").delete(url).status_code == 403
    assert api_as("pm").delete(url).status_code == 204
    tombstone = api_as("exec").get(url).json()
    assert (tombstone["body"], tombstone["deleted_by"]["username"]) == ("", "pm")
    assert api_as("ds").delete(url).status_code == 409


def test_another_portfolios_target_or_comment_is_404(targets, people, api_as):
    comment = services.comment_create(actor=people["ds"], target=targets["charter"], body="Ours")
    outsider = api_as("outsider")
    for kind, target in targets.items():
        url = _thread_url(kind, target)
        assert outsider.get(url).status_code == 404, kind
        assert outsider.post(url, {"body": "Theirs"}, format="json").status_code == 404, kind
    url = f"/api/v1/comments/{comment.pk}/"
    assert outsider.get(url).status_code == 404
    assert outsider.patch(url, {"body": "x"}, format="json").status_code == 404
    assert outsider.delete(url).status_code == 404
    assert api_as("ds").get("/api/v1/comments/99999999999999999999/").status_code == 404
    assert api_as("ds").get("/api/v1/gate-reviews/9223372036854775808/comments/").status_code == 404
    assert Comment.objects.get().body == "Ours"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"body": ""}, "This field may not be blank."),
        ({"body": "x" * 10_001}, "Ensure this field has no more than 10000 characters."),
        ({"body": "Ping @outsider"}, "@outsider is not a member of this portfolio."),
    ],
)
def test_bad_input_is_a_400_naming_the_body(targets, api_as, body, message):
    response = api_as("pm").post(_thread_url("gate_review", targets["gate_review"]), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": [message]}
    assert not Comment.objects.exists()


def test_the_schema_documents_the_comment_routes(api_as):
    schema = api_as("pm").get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/v1/gate-reviews/{review_pk}/comments/",
        "/api/v1/projects/{project_pk}/charter/comments/",
        "/api/v1/artifacts/{artifact_pk}/comments/",
        "/api/v1/model-alerts/{alert_pk}/comments/",
        "/api/v1/comments/{id}/",
    ):
        assert path in schema["paths"], path
    assert set(schema["paths"]["/api/v1/comments/{id}/"]) == {"get", "patch", "delete"}
