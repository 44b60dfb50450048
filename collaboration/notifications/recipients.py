"""Who is told of each event type: the RACI rules (README, "Notifications").

Never the actor themselves, never someone without access to the event's portfolio (a member of it, or a
superuser), never an inactive account. Read at dispatch, after the change committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

from collaboration.events.catalog import EventType
from collaboration.events.models import Event
from lifecycle.choices import RaciRole
from lifecycle.models import GateAction, GateReview, Project, RaciAssignment
from lifecycle.services.raci import gate_people
from metrics.deployments.models import ModelAlert
from portal.models import User


def _review(event: Event) -> GateReview:
    return GateReview.objects.select_related("project").get(pk=event.payload["review_id"])


def _gate_deciders(event: Event) -> set[int]:
    """The gate's Accountable and its Consulted reviewers."""
    review = _review(event)
    accountable, consulted = gate_people(review.project, review.phase)
    return consulted | ({accountable} if accountable else set())


def _vote_watchers(event: Event) -> set[int]:
    """The gate's Accountable (who decides on the votes) and whoever asked for the review."""
    review = _review(event)
    accountable, _consulted = gate_people(review.project, review.phase)
    return {review.requested_by_id} | ({accountable} if accountable else set())


def _decision_audience(event: Event) -> set[int]:
    """Everyone in the RACI of the decided phase (R, A, C, I on any of its activities) and the project manager."""
    review = _review(event)
    raci = RaciAssignment.objects.filter(activity__project=review.project, activity__phase=review.phase)
    return set(raci.values_list("user_id", flat=True)) | {review.project.owner_id}


def _project_audience(event: Event) -> set[int]:
    """The project manager, the sponsor, and the people Informed on the project's activities."""
    project = Project.objects.get(pk=event.payload["project_id"])
    informed = RaciAssignment.objects.filter(activity__project=project, role=RaciRole.INFORMED)
    return {project.owner_id, project.sponsor_id} | set(informed.values_list("user_id", flat=True))


def _action_owner(event: Event) -> set[int]:
    return {GateAction.objects.get(pk=event.payload["action_id"]).owner_id}


def _action_owner_and_manager(event: Event) -> set[int]:
    action = GateAction.objects.select_related("review__project").get(pk=event.payload["action_id"])
    return {action.owner_id, action.review.project.owner_id}


def _decider_and_manager(event: Event) -> set[int]:
    review = _review(event)
    return {review.project.owner_id} | ({review.decided_by_id} if review.decided_by_id else set())


def _alert_owner(event: Event) -> set[int]:
    return {ModelAlert.objects.get(pk=event.payload["alert_id"]).owner_id}


def _thread(event: Event) -> set[int]:
    """The project manager and the earlier commenters of the thread (the comments area names them)."""
    project_owner = Project.objects.filter(pk=event.payload.get("project_id", 0)).values_list("owner_id", flat=True)
    return set(project_owner) | {int(pk) for pk in event.payload.get("participant_ids", [])}


def _mentioned(event: Event) -> set[int]:
    return {int(event.payload["mentioned_user_id"])}


def _subscription_creator(event: Event) -> set[int]:
    """Whoever created the webhook subscription (the manager who can fix its endpoint)."""
    creator = event.payload.get("created_by_id")
    return {int(creator)} if creator else set()


def _nobody(event: Event) -> set[int]:
    return set()


RULES: dict[str, Callable[[Event], set[int]]] = {
    EventType.GATE_REVIEW_REQUESTED: _gate_deciders,
    EventType.GATE_REVIEW_VOTE_CAST: _vote_watchers,
    EventType.GATE_REVIEW_DECIDED: _decision_audience,
    EventType.PROJECT_PHASE_CHANGED: _project_audience,
    EventType.PROJECT_STATE_CHANGED: _project_audience,
    EventType.GATE_ACTION_DUE: _action_owner,
    EventType.GATE_ACTION_OVERDUE: _action_owner_and_manager,
    EventType.EVIDENCE_CHANGED_SINCE_DECISION: _decider_and_manager,
    EventType.MODEL_ALERT_OPENED: _alert_owner,
    EventType.COMMENT_CREATED: _thread,
    EventType.COMMENT_MENTIONED: _mentioned,
    EventType.WEBHOOK_DISABLED: _subscription_creator,
    EventType.WEBHOOK_PING: _nobody,  # a test delivery of one subscription, nobody's notification
}

assert set(RULES) == set(EventType.values), "every event type needs its recipients rule"


def with_access(user_ids: Iterable[int], portfolio_id: int | None) -> list[User]:
    """The active users among ``user_ids`` who may see the portfolio (members, superusers), ordered by id."""
    users = User.objects.filter(pk__in=set(user_ids), is_active=True)
    if portfolio_id is not None:
        users = users.filter(Q(is_superuser=True) | Q(memberships__portfolio_id=portfolio_id)).distinct()
    return list(users.order_by("pk"))


def event_recipients(event: Event) -> list[User]:
    """The people to tell of ``event``, by the rule of its type; never its actor, never an outsider."""
    wanted = RULES[event.type](event) - {event.actor_id}
    return with_access(wanted, event.portfolio_id)
