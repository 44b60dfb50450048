"""Browser: the PM comments on a gate review, picking the data scientist from the @ suggestions; the comment
appears without a reload. The data scientist signs in, finds "you were mentioned" among the notifications,
follows it and lands on the comment."""

import re

from playwright.sync_api import expect

from collaboration.comments.models import Comment
from collaboration.events.dispatch import event_dispatch
from collaboration.events.models import Event
from lifecycle import services
from tests.e2e.conftest import browser, login, new_context  # noqa: F401 (fixtures of the browser journeys)
from tests.factories import provide_required_artifacts


def test_a_mention_on_a_gate_review_leads_the_data_scientist_to_the_comment(login, project, people):  # noqa: F811
    provide_required_artifacts(project, people["pm"])
    review = services.gate_review_request(actor=people["pm"], project=project)

    page = login("pm")
    page.goto(f"/gate-reviews/{review.pk}/")
    thread = page.locator(f"#comments-gate_review-{review.pk}")
    textarea = thread.locator("textarea[name=body]")
    textarea.press_sequentially("Could @d")
    thread.locator('[data-mention="ds"]').click()  # the suggestion completes the name
    expect(textarea).to_have_value("Could @ds ")
    textarea.press_sequentially("attach the validation run?")
    thread.get_by_role("button", name="Comment").click()
    comment_body = page.locator("[data-comment-body]")
    expect(comment_body).to_contain_text("Could @ds attach the validation run?")
    expect(page.locator(f"#comments-gate_review-{review.pk} textarea[name=body]")).to_have_value("")
    comment = Comment.objects.get()

    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
        event_dispatch(event_id)  # the broker's work (done at commit already when tasks run in-process)

    ds = login("ds")
    ds.goto("/notifications/")
    mention = ds.get_by_role("link", name="AML-001: you were mentioned on the charter gate review")
    expect(mention).to_be_visible()
    mention.click()
    expect(ds).to_have_url(re.compile(rf"/gate-reviews/{review.pk}/#comment-{comment.pk}$"))
    expect(ds.locator(f"#comment-{comment.pk}")).to_be_in_viewport()
    expect(ds.locator(f"#comment-{comment.pk}")).to_contain_text("Could @ds attach the validation run?")
