"""Gate reviews: request, vote, decide. The decision moves the project, under a lock, exactly once."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lifecycle import hooks
from lifecycle.catalog import phase_definition
from lifecycle.choices import GateActionKind, GateDecision, GateReviewStatus, NoGoOutcome, Phase, ProjectState
from lifecycle.models import ArtifactVersion, ArtifactWaiver, GateAction, GateReview, GateVote, PhaseTransition, Project
from lifecycle.services.artifacts import artifacts_missing_for_gate
from lifecycle.services.audit import audit_write, changed_fields
from lifecycle.services.projects import project_snapshot
from lifecycle.services.raci import gate_people
from portal.exceptions import MissingArtifacts, NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_edit_project
from portfolio.models import Membership

SCORE_RANGE = range(1, 6)


@dataclass(frozen=True)
class ActionInput:
    """A condition (conditional go) or rework item (recycle) as given by the decider."""

    description: str
    owner_id: int
    due_date: datetime.date | None = None


@transaction.atomic
def gate_review_request(*, actor: User, project: Project, note: str = "") -> GateReview:
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(actor, project):
        raise NotAllowed("Only the portfolio's program or project managers can request a gate review.")
    if not project.is_active:
        raise TransitionNotAllowed(f"The project is {project.get_state_display().lower()}; no gate can be requested.")
    if project.gate_reviews.filter(status=GateReviewStatus.OPEN).exists():
        raise TransitionNotAllowed("A gate review is already open for this project.")
    missing = artifacts_missing_for_gate(project)
    if missing:
        names = [artifact_type.name for artifact_type in missing]
        raise MissingArtifacts(
            "The review cannot be requested yet. Missing required artifacts: " + ", ".join(names) + ".",
            details={"missing_artifacts": [{"slug": t.slug, "name": t.name} for t in missing]},
        )
    accountable, _consulted = gate_people(project, project.phase)
    if accountable is None:
        raise TransitionNotAllowed("The gate has no Accountable person in the RACI; assign one first.")
    try:
        with transaction.atomic():
            review = GateReview.objects.create(
                project=project,
                phase=project.phase,
                requested_by=actor,
                requested_at=timezone.now(),
                request_note=(note or "").strip(),
            )
    except IntegrityError as exc:  # the partial unique index is the last word on "one open review"
        raise TransitionNotAllowed("A gate review is already open for this project.") from exc
    audit_write(
        actor=actor,
        action="gate.request",
        target=review,
        project=project,
        after={"phase": review.phase, "status": review.status},
        reason=review.request_note,
    )
    return review


def _check_scores(phase: str, scores: dict[str, Any]) -> dict[str, int]:
    keys = {criterion.key for criterion in phase_definition(phase).criteria}
    errors: dict[str, str] = {}
    clean: dict[str, int] = {}
    for key, value in (scores or {}).items():
        if key not in keys:
            errors[key] = "Not a criterion of this gate."
        elif isinstance(value, bool) or not isinstance(value, int) or value not in SCORE_RANGE:
            errors[key] = "Score from 1 (poor) to 5 (excellent)."
        else:
            clean[key] = value
    if errors:
        raise ValidationFailed("Some criterion scores are invalid.", details={"scores": errors})
    return clean


@transaction.atomic
def gate_vote(
    *, actor: User, review: GateReview, vote: str, comment: str = "", scores: dict[str, Any] | None = None
) -> GateVote:
    # Same lock order as gate_decide (project, then review). Locking the review first deadlocks with
    # a concurrent decision: the vote's inserts need a key-share lock on the project it holds.
    project = Project.objects.select_for_update().get(pk=review.project_id)
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    review.project = project
    if not review.is_open:
        raise TransitionNotAllowed("This review is decided; its votes are frozen.")
    accountable, consulted = gate_people(review.project, review.phase)
    if actor.pk != accountable and actor.pk not in consulted:
        raise NotAllowed("Only the gate's Accountable and Consulted people vote on this review.")
    if vote not in GateDecision.values:
        raise ValidationFailed(
            f"'{vote}' is not a vote; use one of {', '.join(GateDecision.values)}.", details={"vote": "Invalid."}
        )
    clean_scores = _check_scores(review.phase, scores or {})
    previous = GateVote.objects.filter(review=review, voter=actor).first()
    before = {"vote": previous.vote, "comment": previous.comment, "scores": previous.scores} if previous else None
    ballot, _created = GateVote.objects.update_or_create(
        review=review,
        voter=actor,
        defaults={"vote": vote, "comment": (comment or "").strip(), "scores": clean_scores, "voted_at": timezone.now()},
    )
    audit_write(
        actor=actor,
        action="gate.vote",
        target=review,
        project=review.project,
        before=before,
        after={"vote": ballot.vote, "comment": ballot.comment, "scores": ballot.scores},
    )
    return ballot


def _check_actions(decision: str, actions: list[ActionInput], portfolio_id: int) -> list[ActionInput]:
    if decision == GateDecision.CONDITIONAL_GO and not actions:
        raise ValidationFailed("A conditional go needs at least one condition.", details={"actions": "Required."})
    if decision == GateDecision.RECYCLE and not actions:
        raise ValidationFailed("A recycle needs at least one item to rework.", details={"actions": "Required."})
    if decision in (GateDecision.GO, GateDecision.NO_GO) and actions:
        raise ValidationFailed("Only a conditional go or a recycle takes conditions or rework items.")
    members = set(Membership.objects.filter(portfolio_id=portfolio_id).values_list("user_id", flat=True))
    errors: dict[str, str] = {}
    for index, action in enumerate(actions):
        if not action.description.strip():
            errors[f"actions[{index}]"] = "Describe the condition or rework item."
        elif action.owner_id not in members:
            errors[f"actions[{index}]"] = "The owner must be a member of the portfolio."
        elif decision == GateDecision.CONDITIONAL_GO and action.due_date is None:
            errors[f"actions[{index}]"] = "A condition needs a due date."
    if errors:
        raise ValidationFailed("Some conditions or rework items are incomplete.", details=errors)
    return actions


def _freeze_evidence(review: GateReview) -> dict[str, Any]:
    """Pin the current version of every artifact of the phase, and the waivers, to the decision."""
    versions = list(
        ArtifactVersion.objects.filter(artifact__project=review.project, artifact__phase=review.phase)
        .select_related("artifact__artifact_type")
        .order_by("artifact_id", "-number")
    )
    current: dict[int, ArtifactVersion] = {}
    for version in versions:
        current.setdefault(version.artifact_id, version)
    review.evidence_versions.set(current.values())
    waivers = ArtifactWaiver.objects.filter(project=review.project, phase=review.phase).select_related("artifact_type")
    return {
        "artifacts": [
            {
                "version_id": v.pk,
                "artifact_type": v.artifact.artifact_type.slug,
                "artifact_type_name": v.artifact.artifact_type.name,
                "number": v.number,
                "kind": v.kind,
                "name": v.display_name,
                "sha256": v.sha256,
                "created_at": v.created_at.isoformat(),
            }
            for v in current.values()
        ],
        "waivers": [
            {"artifact_type": w.artifact_type.slug, "artifact_type_name": w.artifact_type.name, "reason": w.reason}
            for w in waivers
        ],
    }


def _check_override(decision: str, override_reason: str, failing: list[str]) -> str:
    """The override reason to store: required for a go over a criterion that does not pass, else none."""
    if decision not in (GateDecision.GO, GateDecision.CONDITIONAL_GO) or not failing:
        return ""
    if not override_reason:
        raise ValidationFailed(
            "Automated criteria do not pass: "
            + "; ".join(failing)
            + ". A go over them needs an override reason (it is kept in the audit trail).",
            details={"override_reason": "Required: an automated criterion does not pass.", "failing_rules": failing},
        )
    return override_reason


def _next_position(decision: str, outcome: str, project: Project) -> tuple[str, str]:
    """(phase, state) of the project after the decision."""
    if decision in (GateDecision.GO, GateDecision.CONDITIONAL_GO):
        following = Phase(project.phase).next
        if following is None:
            return project.phase, ProjectState.CLOSED
        return following, ProjectState.ACTIVE
    if decision == GateDecision.NO_GO:
        return project.phase, ProjectState.ON_HOLD if outcome == NoGoOutcome.HOLD else ProjectState.CANCELLED
    return project.phase, project.state  # recycle: stay and rework


def _check_decider(actor: User, project: Project, review: GateReview) -> None:
    """Refuse, in this order: a decided review, anyone but the gate's Accountable, a project that moved on."""
    if not review.is_open:
        raise TransitionNotAllowed("This review is already decided; a decision is never changed.")
    accountable, _consulted = gate_people(project, review.phase)
    if actor.pk != accountable:
        raise NotAllowed("Only the Accountable person of this gate can decide it.")
    if project.phase != review.phase or not project.is_active:
        raise TransitionNotAllowed("The project is no longer in the phase this review was requested for.")


def _check_outcome(decision: str, no_go_outcome: str, rationale: str) -> None:
    """A known decision; a no-go says hold or cancel and why, and no other decision has an outcome."""
    if decision not in GateDecision.values:
        raise ValidationFailed(f"'{decision}' is not a decision.", details={"decision": "Invalid."})
    if decision == GateDecision.NO_GO:
        if no_go_outcome not in NoGoOutcome.values:
            raise ValidationFailed(
                "A no-go puts the project on hold or cancels it: choose one.", details={"no_go_outcome": "Required."}
            )
        if not rationale:
            raise ValidationFailed("A no-go needs a reason.", details={"rationale": "Required."})
    elif no_go_outcome:
        raise ValidationFailed(
            "Only a no-go has an outcome of hold or cancel.", details={"no_go_outcome": "Not allowed."}
        )


def _create_actions(review: GateReview, actions: list[ActionInput]) -> None:
    """The decision's conditions (conditional go) or rework items (recycle), tracked until completed."""
    kind = GateActionKind.CONDITION if review.decision == GateDecision.CONDITIONAL_GO else GateActionKind.REWORK
    GateAction.objects.bulk_create(
        [
            GateAction(
                review=review, kind=kind, description=a.description.strip(), owner_id=a.owner_id, due_date=a.due_date
            )
            for a in actions
        ]
    )


def _audit_decision(actor: User, project: Project, review: GateReview, actions: list[ActionInput]) -> None:
    """The audit record of a decision: what was decided, on which evidence, and any override of the criteria."""
    audit_write(
        actor=actor,
        action="gate.decide",
        target=review,
        project=project,
        before={"status": GateReviewStatus.OPEN},
        after={
            "status": review.status,
            "decision": review.decision,
            "no_go_outcome": review.no_go_outcome,
            "actions": [{"description": a.description, "owner": a.owner_id, "due_date": a.due_date} for a in actions],
            "evidence": review.evidence,
            **({"override_reason": review.override_reason} if review.override_reason else {}),
        },
        reason=review.rationale,
    )


@transaction.atomic
def gate_decide(
    *,
    actor: User,
    review: GateReview,
    decision: str,
    rationale: str = "",
    no_go_outcome: str = "",
    actions: list[ActionInput] | None = None,
    override_reason: str = "",
) -> GateReview:
    """Record the Accountable person's decision and move the project, in one transaction.

    Lock order is project then review (the same as gate_review_request and the MLflow evidence
    services), so two concurrent decisions serialize: the second finds the review decided and is
    refused, and evidence attached before the decision is frozen with it.

    The automated criteria (``hooks.decision_evidence``) are evaluated on the evidence as it is now; a go or
    conditional go while one of them does not pass needs `override_reason`, which is stored on the
    review and in the audit record. Each evidence row's decision_snapshot and the rule results are
    written in this transaction.
    """
    project = Project.objects.select_for_update().get(pk=review.project_id)
    review = GateReview.objects.select_for_update().get(pk=review.pk)
    review.project = project
    _check_decider(actor, project, review)
    rationale = (rationale or "").strip()
    _check_outcome(decision, no_go_outcome, rationale)
    actions = _check_actions(decision, list(actions or []), project.portfolio_id)
    mlflow = hooks.decision_evidence(review)
    override_reason = _check_override(decision, (override_reason or "").strip(), mlflow.failing())

    now = timezone.now()
    review.status = GateReviewStatus.DECIDED
    review.decision = decision
    review.no_go_outcome = no_go_outcome
    review.rationale = rationale
    review.decided_by = actor
    review.decided_at = now
    review.evidence = {**_freeze_evidence(review), **mlflow.frozen()}
    review.override_reason = override_reason
    review.save()
    mlflow.freeze()
    _create_actions(review, actions)
    _audit_decision(actor, project, review, actions)
    _move_project(actor=actor, project=project, review=review, at=now)
    hooks.project_changed(project)  # phase, state and gate throughput figures change with a decision
    return review


def _move_project(*, actor: User, project: Project, review: GateReview, at: datetime.datetime) -> None:
    phase, state = _next_position(review.decision, review.no_go_outcome, project)
    if (phase, state) == (project.phase, project.state):
        return
    before = project_snapshot(project)
    transition = PhaseTransition(
        project=project,
        from_phase=project.phase,
        to_phase=phase,
        from_state=project.state,
        to_state=state,
        gate_review=review,
        actor=actor,
        at=at,
        reason=review.rationale,
    )
    project.phase, project.state = phase, state
    if state in (ProjectState.CLOSED, ProjectState.CANCELLED):
        project.actual_end_date = timezone.localdate()
    project.save()
    transition.save()
    before_changed, after_changed = changed_fields(before, project_snapshot(project))
    audit_write(
        actor=actor,
        action="project.phase_change" if phase != transition.from_phase else "project.state_change",
        target=project,
        project=project,
        before=before_changed,
        after=after_changed,
        reason=f"Gate decision: {review.get_decision_display()}",
    )


@transaction.atomic
def gate_action_complete(*, actor: User, action: GateAction) -> GateAction:
    """The owner (or a manager) marks a condition or rework item done; the decision itself is untouched."""
    action = GateAction.objects.select_for_update(of=("self",)).select_related("review__project").get(pk=action.pk)
    project = action.review.project
    if actor.pk != action.owner_id and not can_edit_project(actor, project):
        raise NotAllowed("Only the item's owner or the project's managers can complete it.")
    if action.completed_at is not None:
        raise TransitionNotAllowed("This item is already complete.")
    action.completed_at = timezone.now()
    action.save(update_fields=["completed_at"])
    audit_write(
        actor=actor,
        action="gate.action_complete",
        target=action,
        project=project,
        before={"completed_at": None},
        after={"completed_at": action.completed_at, "description": action.description},
    )
    return action
