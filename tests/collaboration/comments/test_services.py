"""Comment services: rows, audit records and events written together; refusals leave nothing behind."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from collaboration.comments import services
from collaboration.comments.models import Comment
from collaboration.events.catalog import CATALOG, EventType
from collaboration.events.models import Event
from collaboration.notifications.links import event_link
from collaboration.notifications.models import Notification
from lifecycle.models import AuditRecord
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.collaboration.comments.conftest import dispatch_all
from tests.unchanged import refused_checker

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Comment.objects.values()),
        list(Comment.mentions.through.objects.values()),
        list(AuditRecord.objects.filter(action__startswith="comment.").values()),
        list(Event.objects.filter(type__startswith="comment.").values()),
    )


refused = refused_checker(_snapshot)


def test_a_comment_on_each_target_is_written_audited_and_announced(targets, people, project):
    for kind, target in targets.items():
        comment = services.comment_create(actor=people["ds"], target=target, body=f"Looks fine ({kind})")
        assert (comment.target_kind, comment.target_id, comment.project_id) == (kind, target.pk, project.pk)
        record = AuditRecord.objects.get(action="comment.create", target_id=str(comment.pk))
        assert record.after == {"target": kind, "target_id": target.pk, "body": f"Looks fine ({kind})", "mentions": []}
        event = Event.objects.get(type=EventType.COMMENT_CREATED, target_id=str(comment.pk))
        assert event.payload["comment_id"] == comment.pk
        assert event.payload["target_kind"] == kind
        assert event.payload["url"].endswith(f"#comment-{comment.pk}")
        assert event_link(event) == event.payload["url"]
        assert set(event.payload) == set(CATALOG[EventType.COMMENT_CREATED].payload)
    review_event = Event.objects.get(type=EventType.COMMENT_CREATED, payload__target_kind="gate_review")
    assert review_event.payload["url"] == f"/gate-reviews/{targets['gate_review'].pk}/#comment-{review_event.target_id}"
    assert CATALOG[EventType.COMMENT_CREATED].summary_of(review_event.payload) == (
        "AML-001: new comment on the charter gate review"
    )


def test_earlier_commenters_and_the_pm_hear_of_a_new_comment(targets, people):
    review = targets["gate_review"]
    services.comment_create(actor=people["architect"], target=review, body="First")
    services.comment_create(actor=people["ds"], target=review, body="Second")
    dispatch_all()
    second = Event.objects.filter(type=EventType.COMMENT_CREATED).latest("pk")
    assert second.payload["participant_ids"] == [people["architect"].pk]
    told = Notification.objects.filter(event=second).values_list("user__username", flat=True)
    assert sorted(told) == ["architect", "pm"]


def test_a_mentioned_member_is_notified_after_dispatch(targets, people):
    comment = services.comment_create(
        actor=people["pm"], target=targets["gate_review"], body="@ds can you attach the run? cc @architect."
    )
    assert sorted(comment.mentions.values_list("username", flat=True)) == ["architect", "ds"]
    assert Notification.objects.count() == 0  # not before dispatch
    dispatch_all()
    mention = Notification.objects.get(user=people["ds"], event__type=EventType.COMMENT_MENTIONED)
    assert mention.event.payload["mentioned_user_id"] == people["ds"].pk
    assert set(mention.event.payload) == set(CATALOG[EventType.COMMENT_MENTIONED].payload)
    assert event_link(mention.event) == f"/gate-reviews/{targets['gate_review'].pk}/#comment-{comment.pk}"
    # ds hears of it once, by the mention (not also as a participant)
    assert Notification.objects.filter(user=people["ds"]).count() == 1


def test_mentioning_an_outsider_refuses_the_whole_comment(targets, people):
    with refused(ValidationFailed) as caught:
        services.comment_create(actor=people["pm"], target=targets["charter"], body="Ask @ds and @outsider")
    assert caught.value.details == {"body": ["@outsider is not a member of this portfolio."]}
    with refused(ValidationFailed):
        services.comment_create(actor=people["pm"], target=targets["charter"], body="Ask @nobody-at-all")


def test_an_inactive_member_cannot_be_mentioned(targets, people):
    people["ds"].is_active = False
    people["ds"].save()
    with refused(ValidationFailed):
        services.comment_create(actor=people["pm"], target=targets["charter"], body="@ds")


def test_an_email_address_mentions_nobody():
    assert services.mentioned_usernames("mail ana@example.com, ask @ds. and @ds again; @j.doe+x") == ["ds", "j.doe+x"]


def test_only_members_comment_and_bodies_are_checked(targets, people):
    with refused(NotAllowed):
        services.comment_create(actor=people["outsider"], target=targets["gate_review"], body="Hello")
    with refused(ValidationFailed) as caught:
        services.comment_create(actor=people["ds"], target=targets["gate_review"], body="   ")
    assert list(caught.value.details) == ["body"]
    with refused(ValidationFailed):
        services.comment_create(actor=people["ds"], target=targets["gate_review"], body="x" * 10_001)


def test_an_edit_is_audited_and_tells_only_the_newly_mentioned(targets, people):
    comment = services.comment_create(actor=people["pm"], target=targets["artifact"], body="@ds please check")
    services.comment_edit(actor=people["pm"], comment=comment, body="@ds please check with @architect")
    record = AuditRecord.objects.get(action="comment.edit")
    assert record.before == {"body": "@ds please check"}
    assert record.after == {"body": "@ds please check with @architect", "mentions_added": ["architect"]}
    mentioned = Event.objects.filter(type=EventType.COMMENT_MENTIONED).order_by("pk")
    assert [event.payload["mentioned_user_id"] for event in mentioned] == [people["ds"].pk, people["architect"].pk]
    comment.refresh_from_db()
    assert comment.edited_at is not None
    # removing a mention and adding it back tells nobody twice
    services.comment_edit(actor=people["pm"], comment=comment, body="Nobody now")
    services.comment_edit(actor=people["pm"], comment=comment, body="@architect again")
    assert Event.objects.filter(type=EventType.COMMENT_MENTIONED).count() == 2


def test_only_the_author_edits(targets, people):
    comment = services.comment_create(actor=people["ds"], target=targets["charter"], body="Mine")
    for someone in ("pm", "exec", "outsider"):
        with refused(NotAllowed):
            services.comment_edit(actor=people[someone], comment=comment, body="Theirs")


def test_delete_leaves_an_audited_tombstone(targets, people):
    comment = services.comment_create(actor=people["ds"], target=targets["model_alert"], body="Drift again?")
    services.comment_delete(actor=people["pm"], comment=comment)  # a manager of the portfolio
    comment.refresh_from_db()
    assert (comment.body, comment.deleted_by, comment.is_deleted) == ("", people["pm"], True)
    record = AuditRecord.objects.get(action="comment.delete")
    assert record.before == {"body": "Drift again?", "author": people["ds"].pk}
    with refused(TransitionNotAllowed):
        services.comment_edit(actor=people["ds"], comment=comment, body="Back")
    with refused(TransitionNotAllowed):
        services.comment_delete(actor=people["ds"], comment=comment)


def test_the_author_or_a_manager_deletes_nobody_else(targets, people):
    comment = services.comment_create(actor=people["architect"], target=targets["charter"], body="Hmm")
    for someone in ("ds", "exec", "product", "outsider"):
        with refused(NotAllowed):
            services.comment_delete(actor=people[someone], comment=comment)
    services.comment_delete(actor=people["architect"], comment=comment)
    assert Comment.objects.get().is_deleted


def test_a_rolled_back_comment_emits_nothing(targets, people, django_capture_on_commit_callbacks):
    dispatch_all()  # the review's own events
    notified = Notification.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.comment_create(actor=people["pm"], target=targets["gate_review"], body="@ds look")
        raise RuntimeError("the caller fails after the comment")
    assert callbacks == []
    assert _snapshot() == ([], [], [], [])
    dispatch_all()
    assert Notification.objects.count() == notified


def test_the_database_holds_every_comment_to_exactly_one_target(targets, people, project):
    fields = {"project": project, "author": people["pm"], "body": "x", "created_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.create(**fields, gate_review=targets["gate_review"], charter=targets["charter"])
