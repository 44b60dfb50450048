"""The demo's comments: a thread on the first open review with an unread mention of the data scientist; once."""

import pytest

from collaboration.comments.models import Comment
from collaboration.demo import comments_demo_seed, notifications_demo_seed
from collaboration.events.catalog import EventType
from collaboration.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_thread_with_an_unread_mention_once(review, people):
    notifications_demo_seed()
    assert Comment.objects.filter(gate_review=review).count() == 2
    assert Comment.objects.filter(charter=review.project.charter).count() == 1
    mention = Notification.objects.get(user=people["ds"], event__type=EventType.COMMENT_MENTIONED)
    assert mention.read_at is None
    assert comments_demo_seed() == 0
    assert Comment.objects.count() == 3
