"""Comment threads on the pages: shown on each target's page, written in place with htmx, mentions offered from the
portfolio only, markdown sanitized, refusals shown as form errors with the text kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from collaboration.comments import services
from collaboration.comments.models import Comment
from tests.factories import member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _page_of(kind, target, project):
    return {
        "gate_review": reverse("gate-review-detail", args=[target.pk]),
        "charter": reverse("charter-detail", args=[project.pk]),
        "artifact": reverse("project-artifacts", args=[project.pk]),
        "model_alert": reverse("project-deployed-models", args=[project.pk]),
    }[kind]


def test_the_thread_shows_on_each_targets_page(client, targets, people, project):
    client.force_login(people["exec"])
    for kind, target in targets.items():
        comment = services.comment_create(actor=people["ds"], target=target, body=f"**Note** on {kind}")
        html = client.get(_page_of(kind, target, project)).content.decode()
        assert f'id="comments-{kind}-{target.pk}"' in html, kind
        assert f'id="comment-{comment.pk}"' in html, kind
        assert f"<strong>Note</strong> on {kind}" in html, kind
        assert 'src="/static/js/comments.js"' in html


def test_an_htmx_post_answers_the_thread_with_the_new_comment(client, targets, people):
    review = targets["gate_review"]
    client.force_login(people["architect"])
    url = reverse("comment-thread", args=["gate_review", review.pk])
    response = client.post(url, {"body": "Ask @ds about the _baseline_"}, **HTMX)
    assert response.status_code == 201
    comment = Comment.objects.get()
    html = response.content.decode()
    assert f'id="comment-{comment.pk}"' in html and "<em>baseline</em>" in html
    assert '<textarea class="form-control form-control-sm" id="comments-gate_review-' in html  # an empty form again
    assert list(comment.mentions.values_list("username", flat=True)) == ["ds"]


def test_a_plain_post_goes_to_the_comment(client, targets, people):
    client.force_login(people["ds"])
    response = client.post(reverse("comment-thread", args=["charter", targets["charter"].pk]), {"body": "Hi"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('charter-detail', args=[comment.project_id])}#comment-{comment.pk}"


def test_a_refused_comment_comes_back_as_a_form_error_with_its_text(client, targets, people):
    client.force_login(people["pm"])
    url = reverse("comment-thread", args=["gate_review", targets["gate_review"].pk])
    response = client.post(url, {"body": "Loop in @outsider please"}, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert "@outsider is not a member of this portfolio." in html
    assert ">Loop in @outsider please</textarea>" in html
    plain = client.post(url, {"body": "x" * 10_001})
    assert plain.status_code == 422 and "at most 10000 characters" in plain.content.decode()
    assert not Comment.objects.exists()


def test_outsiders_find_no_thread(client, targets, people):
    client.force_login(people["outsider"])
    url = reverse("comment-thread", args=["gate_review", targets["gate_review"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Hello"}, **HTMX).status_code == 404
    assert client.get(reverse("comment-thread", args=["project", 1])).status_code == 404
    assert not Comment.objects.exists()


def test_markdown_is_sanitized(client, targets, people):
    client.force_login(people["ds"])
    body = '<script>alert(1)</script> <img src=x onerror="alert(2)"> [x](javascript:alert(3)) **ok**'
    response = client.post(reverse("comment-thread", args=["charter", targets["charter"].pk]), {"body": body}, **HTMX)
    html = response.content.decode()
    assert "<strong>ok</strong>" in html
    assert "<script>alert(1)" not in html and "onerror" not in html and "javascript:alert" not in html


def test_edit_in_place_and_delete_to_a_tombstone(client, targets, people):
    comment = services.comment_create(actor=people["ds"], target=targets["gate_review"], body="Frist")
    client.force_login(people["ds"])
    form = client.get(reverse("comment-edit", args=[comment.pk]), **HTMX)
    assert ">Frist</textarea>" in form.content.decode()
    saved = client.post(reverse("comment-edit", args=[comment.pk]), {"body": "First"}, **HTMX)
    assert saved.status_code == 200 and "<p>First</p>" in saved.content.decode() and "edited" in saved.content.decode()
    client.force_login(people["exec"])  # neither author nor manager
    refused = client.post(reverse("comment-delete", args=[comment.pk]), **HTMX)
    assert refused.status_code == 422 and refused["HX-Retarget"] == "#htmx-alerts"
    assert client.post(reverse("comment-edit", args=[comment.pk]), {"body": "Mine"}, **HTMX).status_code == 422
    client.force_login(people["pm"])
    deleted = client.post(reverse("comment-delete", args=[comment.pk]), **HTMX).content.decode()
    assert "Comment deleted by" in deleted and "First" not in deleted


def test_autocomplete_offers_portfolio_members_only(client, project, people, portfolio):
    member(portfolio, "engineer", "dsouza")
    inactive = member(portfolio, "engineer", "dsleeping")
    inactive.is_active = False
    inactive.save()
    client.force_login(people["pm"])
    url = reverse("comment-mentions", args=[project.pk])
    html = client.get(url, {"body": "Can @d"}).content.decode()
    assert 'data-mention="ds"' in html and 'data-mention="dsouza"' in html
    assert "dsleeping" not in html
    assert 'data-mention="outsider"' not in client.get(url, {"body": "@out"}).content.decode()
    assert 'data-mention="outsider"' not in client.get(url, {"q": "o"}).content.decode()
    assert "data-mention=" not in client.get(url, {"body": "no mention here"}).content.decode()
    client.force_login(people["outsider"])
    assert client.get(url, {"body": "@d"}).status_code == 404


def test_autocomplete_offers_at_most_eight(client, project, people, portfolio):
    for number in range(10):
        member(portfolio, "engineer", f"eng{number}")
    client.force_login(people["pm"])
    html = client.get(reverse("comment-mentions", args=[project.pk]), {"body": "@eng"}).content.decode()
    assert html.count("data-mention=") == 8


def test_the_project_history_lists_comment_actions_under_their_kind(client, targets, people, project):
    comment = services.comment_create(actor=people["ds"], target=targets["charter"], body="Typo")
    services.comment_edit(actor=people["ds"], comment=comment, body="Typo fixed")
    services.comment_delete(actor=people["ds"], comment=comment)
    client.force_login(people["exec"])
    response = client.get(reverse("project-history", args=[project.pk]), {"kind": "comments"})
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("commented", "edited a comment", "deleted a comment"):
        assert label in html, label


def test_cancel_swaps_the_comment_back(client, targets, people):
    comment = services.comment_create(actor=people["ds"], target=targets["gate_review"], body="Kept")
    client.force_login(people["ds"])
    html = client.get(reverse("comment-detail", args=[comment.pk]), **HTMX).content.decode()
    assert f'id="comment-{comment.pk}"' in html and "<p>Kept</p>" in html and ">Edit</a>" in html
    plain = client.get(reverse("comment-detail", args=[comment.pk]))
    assert plain["Location"] == f"/gate-reviews/{targets['gate_review'].pk}/#comment-{comment.pk}"


def test_a_thread_costs_the_same_queries_whatever_its_length(client, targets, people):
    review = targets["gate_review"]
    client.force_login(people["pm"])
    url = reverse("comment-thread", args=["gate_review", review.pk])
    services.comment_create(actor=people["ds"], target=review, body="One")
    with CaptureQueriesContext(connection) as one:
        client.get(url, **HTMX)
    for number in range(5):
        services.comment_create(actor=people["architect"], target=review, body=f"More {number}")
    with CaptureQueriesContext(connection) as six:
        client.get(url, **HTMX)
    assert len(six) == len(one)


def test_pages_with_many_threads_load_the_comments_once(client, targets, people, project):
    """The artifacts page holds one thread per artifact: more artifacts with comments add no query."""
    client.force_login(people["ds"])
    url = reverse("project-artifacts", args=[project.pk])
    artifacts = list(project.artifacts.order_by("pk"))
    assert len(artifacts) >= 3
    services.comment_create(actor=people["pm"], target=artifacts[0], body="First")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for artifact in artifacts[1:]:
        services.comment_create(actor=people["pm"], target=artifact, body="More")
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert len(after) == len(before)
    assert html.count("data-comment-body") == len(artifacts)
