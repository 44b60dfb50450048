"""The collaboration part of the demo (called by ``seed_demo``); idempotent, so a second run adds nothing.

The seeded stories' gate requests, votes and decisions already wrote their events and, at each commit, their
notifications (tasks run in-process without a broker). Each area adds what time alone causes here.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from collaboration.comments.models import Comment
from collaboration.comments.services import comment_create
from collaboration.events.catalog import WEBHOOK_SUBSCRIBABLE
from collaboration.events.dispatch import event_dispatch, events_undispatched
from collaboration.events.notices import gate_action_notices_emit
from collaboration.webhooks.models import WebhookSubscription
from collaboration.webhooks.services import webhook_subscription_create
from lifecycle.models import GateReview
from portal.exceptions import DomainError
from portal.models import User
from portfolio.choices import MANAGER_ROLES
from portfolio.models import Membership, Portfolio


def notifications_demo_seed() -> dict[str, int]:
    """The demo's comments, due and overdue notices of the seeded conditions (each once), and every event still
    undispatched."""
    comments_demo_seed()  # first: its events are dispatched with the others below
    notices = gate_action_notices_emit()
    undispatched = events_undispatched(older_than=datetime.timedelta(0), limit=10_000)
    dispatched = sum(event_dispatch(event_id) for event_id in undispatched)
    return {"notices": notices, "dispatched": dispatched}


@transaction.atomic
def comments_demo_seed() -> int:
    """A short thread on the first open gate review (the PM @mentions the data scientist, left unread) and a comment
    on that project's charter; nothing when comments exist already. Returns the number of comments written."""
    review = GateReview.objects.filter(status="open").select_related("project__charter").order_by("pk").first()
    if review is None or Comment.objects.exists():
        return 0
    people = {user.username: user for user in User.objects.filter(username__in=("pm", "ds", "exec"))}
    if len(people) < 3:
        return 0
    comment_create(
        actor=people["pm"],
        target=review,
        body="@ds could you attach the validation run of the final model? The sponsor will ask about the hold-out "
        "accuracy first.",
    )
    comment_create(
        actor=people["exec"],
        target=review,
        body="Agreed. I would also like to see the **drift check** from last month before I decide.",
    )
    comment_create(
        actor=people["ds"],
        target=review.project.charter,
        body="The baseline churn rate comes from the Q1 retention report; the data dictionary says which table.",
    )
    return 3


DEMO_RECEIVER_PORT = 8787
DEMO_RECEIVER_URL = f"http://127.0.0.1:{DEMO_RECEIVER_PORT}/hooks"


def webhooks_demo_seed() -> str:
    """One webhook of the first portfolio to the demo receiver (``manage.py webhook_receiver``), for every event
    type, created by one of its managers; what happened, in a line. Seeded after the dispatch above, so only what
    people do from now on is sent. Refused (and said so) where the settings forbid loopback endpoints."""
    portfolio = Portfolio.objects.order_by("pk").first()
    if portfolio is None:
        return "Webhooks: no portfolio to subscribe."
    existing = WebhookSubscription.objects.filter(portfolio=portfolio, url=DEMO_RECEIVER_URL).first()
    if existing is not None:
        return f"Webhooks: {portfolio.name} already sends to {DEMO_RECEIVER_URL}."
    manager = (
        Membership.objects.filter(portfolio=portfolio, role__in=MANAGER_ROLES)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    if manager is None:
        return f"Webhooks: {portfolio.name} has no manager to own a webhook."
    try:
        webhook_subscription_create(
            actor=manager.user,
            portfolio=portfolio,
            url=DEMO_RECEIVER_URL,
            event_types=list(WEBHOOK_SUBSCRIBABLE),
            description="Demo receiver: python manage.py webhook_receiver",
        )
    except DomainError as error:
        return f"Webhooks: no demo webhook ({error.message} {error.details or ''})".rstrip()
    return (
        f"Webhooks: {portfolio.name} sends every event to {DEMO_RECEIVER_URL}; "
        f"run `python manage.py webhook_receiver` to see them."
    )
