"""Asking a person for evidence on an open gate review, and closing the request.

Who may ask (and withdraw): the gate's Accountable (who decides on the evidence), the project's managers, and the
person who requested the review. Who may be asked: someone who can attach evidence to the project
(``portfolio.access.can_attach_evidence``), or the request could never be fulfilled. A request is fulfilled when
the asked person attaches evidence to that review (``evidence_requests_fulfil``, called by the attach services in
their transaction); it leaves their inbox then, or when withdrawn.

Writes lock the project then the review (``gate_decide``'s order) and are audited through ``audit_write``.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from lifecycle.models import GateReview, Project
from lifecycle.services.audit import audit_write
from lifecycle.services.raci import gate_people
from metrics.evidence.choices import EvidenceRequestStatus
from metrics.evidence.models import EvidenceRequest
from metrics.evidence.services.locking import clean_note, review_lock
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_attach_evidence, can_edit_project
from portfolio.choices import CONTRIBUTOR_ROLES, MANAGER_ROLES
from portfolio.models import Membership

ASK_REFUSED = "Only the gate's Accountable, the project's managers and the review's requester ask for evidence."


def can_request_evidence(user: Any, review: GateReview) -> bool:
    """The gate's Accountable, the project's managers, and whoever requested the review ask for evidence."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk == review.requested_by_id or can_edit_project(user, review.project):
        return True
    accountable, _consulted = gate_people(review.project, review.phase)
    return user.pk == accountable


def evidence_request_candidates(review: GateReview) -> QuerySet[User]:
    """Members of the review's portfolio who can attach evidence to its project, by name."""
    # can_attach_evidence as one query: the portfolio's managers and contributors
    contributors = Membership.objects.filter(
        portfolio_id=review.project.portfolio_id, role__in=MANAGER_ROLES | CONTRIBUTOR_ROLES
    ).values("user_id")
    return User.objects.filter(pk__in=contributors).order_by("first_name", "last_name", "username")


def review_evidence_requests(review: GateReview) -> QuerySet[EvidenceRequest]:
    return EvidenceRequest.objects.filter(review=review).select_related("asked", "requested_by", "closed_by")


def _snapshot(request: EvidenceRequest) -> dict[str, Any]:
    return {"request_id": request.pk, "asked": request.asked_id, "status": request.status, "note": request.note}


@transaction.atomic
def evidence_request(*, actor: Any, review: GateReview, asked: User, note: str = "") -> EvidenceRequest:
    """Ask ``asked`` for evidence on the open review; it shows in their inbox until fulfilled or withdrawn."""
    review = review_lock(review)
    if not can_request_evidence(actor, review):
        raise NotAllowed(ASK_REFUSED)
    if not review.is_open:
        raise TransitionNotAllowed("This review is decided; its evidence is frozen.")
    note = clean_note(note)
    if not can_attach_evidence(asked, review.project):
        raise ValidationFailed(
            "Ask someone who can attach evidence to this project (its managers and contributors).",
            details={"asked": "Cannot attach evidence here."},
        )
    try:
        with transaction.atomic():
            request = EvidenceRequest.objects.create(
                review=review, asked=asked, requested_by=actor, requested_at=timezone.now(), note=note
            )
    except IntegrityError as exc:  # the partial unique constraint: one open request per person and review
        name = asked.get_full_name() or asked.username
        raise TransitionNotAllowed(f"{name} is already asked for evidence on this review.") from exc
    audit_write(
        actor=actor, action="gate.evidence_request", target=request, project=review.project, after=_snapshot(request)
    )
    return request


@transaction.atomic
def evidence_request_withdraw(*, actor: Any, request: EvidenceRequest, reason: str = "") -> EvidenceRequest:
    review = review_lock(GateReview.objects.get(pk=request.review_id))
    request = EvidenceRequest.objects.select_for_update().get(pk=request.pk)
    if not can_request_evidence(actor, review):
        raise NotAllowed(ASK_REFUSED)
    if not request.is_open:
        raise TransitionNotAllowed(f"This request is already {request.get_status_display().lower()}.")
    _close(request, EvidenceRequestStatus.WITHDRAWN, actor, "gate.evidence_request_withdraw", review.project, reason)
    return request


def evidence_requests_fulfil(*, actor: Any, review: GateReview) -> int:
    """Close the actor's open requests on the review: they attached evidence to it. Runs inside the attach
    service's transaction, with the review locked; returns how many were fulfilled."""
    requests = list(EvidenceRequest.objects.select_for_update().filter(review=review, asked=actor, status="open"))
    for request in requests:
        _close(request, EvidenceRequestStatus.FULFILLED, actor, "gate.evidence_request_fulfil", review.project)
    return len(requests)


def _close(request: EvidenceRequest, status: str, actor: Any, action: str, project: Project, reason: str = "") -> None:
    before = _snapshot(request)
    request.status = status
    request.closed_by, request.closed_at = actor, timezone.now()
    request.save(update_fields=["status", "closed_by", "closed_at"])
    audit_write(
        actor=actor,
        action=action,
        target=request,
        project=project,
        before=before,
        after=_snapshot(request),
        reason=(reason or "").strip(),
    )
