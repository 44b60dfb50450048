"""Gate review pages: request, review (criteria, scores, votes, reviewers), vote, decide, complete actions.

Every refusal of a service becomes a message or a form error on the page, never a 500.
"""

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lifecycle import hooks, services
from lifecycle.catalog import phase_definition
from lifecycle.choices import GateDecision
from lifecycle.forms.gates import DecisionForms, VoteForm, vote_initial
from lifecycle.models import GateAction, GateReview, Project
from lifecycle.selectors import projects_visible_to
from lifecycle.services.raci import gate_people
from lifecycle.views.common import visible_project
from portal.exceptions import DomainError, MissingArtifacts, ValidationFailed
from portfolio.access import can_edit_project
from portfolio.models import Membership

User = get_user_model()
DECIDE_REFUSED = "Only the Accountable person of this gate can decide it."


def _visible_review(request: HttpRequest, pk: int) -> GateReview:
    reviews = GateReview.objects.select_related(
        "project__portfolio", "project__owner", "project__sponsor", "requested_by", "decided_by"
    ).filter(project__in=projects_visible_to(request.user))
    return get_object_or_404(reviews, pk=pk)


def _missing_artifacts_message(project: Project, exc: MissingArtifacts) -> str:
    names = [item["name"] for item in (exc.details or {}).get("missing_artifacts", [])]
    return format_html(
        "<strong>The gate review was not requested.</strong> These required artifacts are neither provided nor "
        'waived:<ul class="mb-1 mt-1" data-testid="missing-artifacts">{}</ul>'
        '<a class="alert-link" href="{}">Provide or waive them on the artifacts page</a>.',
        format_html_join("", "<li>{}</li>", ((name,) for name in names)),
        reverse("project-artifacts", args=[project.pk]),
    )


@login_required
@require_POST
def gate_request(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    try:
        review = services.gate_review_request(actor=request.user, project=project, note=request.POST.get("note", ""))
    except MissingArtifacts as exc:
        messages.error(request, _missing_artifacts_message(project, exc))
        return redirect("project-detail", pk=project.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("project-detail", pk=project.pk)
    messages.success(request, f"The {phase_definition(review.phase).gate_name} review is requested.")
    return redirect("gate-review-detail", pk=review.pk)


def _reviewers(review: GateReview, votes: list[Any]) -> tuple[int | None, list[dict[str, Any]]]:
    """The gate's Accountable then Consulted people (from the RACI), each with their vote if any."""
    accountable_id, consulted_ids = gate_people(review.project, review.phase)
    ids = ([accountable_id] if accountable_id else []) + sorted(consulted_ids - {accountable_id})
    users = User.objects.in_bulk(ids)
    by_voter = {vote.voter_id: vote for vote in votes}
    people = [
        {
            "user": users[user_id],
            "role": "Accountable" if user_id == accountable_id else "Consulted",
            "vote": by_voter.get(user_id),
        }
        for user_id in ids
        if user_id in users
    ]
    return accountable_id, people


def _score_rows(criteria: Any, votes: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for criterion in criteria:
        scores = [(vote.scores or {}).get(criterion.key) for vote in votes]
        given = [score for score in scores if isinstance(score, int)]
        rows.append(
            {
                "criterion": criterion,
                "scores": scores,
                "average": sum(given) / len(given) if given else None,
            }
        )
    return rows


def _review_page(request: HttpRequest, review: GateReview, *, vote_form: VoteForm | None = None, status: int = 200):
    project = review.project
    definition = phase_definition(review.phase)
    votes = list(review.votes.select_related("voter"))
    accountable_id, reviewers = _reviewers(review, votes)
    user_id = request.user.pk
    is_reviewer = any(person["user"].pk == user_id for person in reviewers)
    can_vote = review.is_open and is_reviewer
    if can_vote and vote_form is None:
        mine = next((vote for vote in votes if vote.voter_id == user_id), None)
        vote_form = VoteForm(initial=vote_initial(mine), criteria=definition.criteria)
    can_edit = can_edit_project(request.user, project)
    actions = [
        {"action": action, "can_complete": action.completed_at is None and (action.owner_id == user_id or can_edit)}
        for action in review.actions.select_related("owner")
    ]
    evidence = review.evidence or {}
    context = {
        "project": project,
        "review": review,
        "definition": definition,
        "votes": votes,
        "score_rows": _score_rows(definition.criteria, votes),
        "vote_summary": _vote_summary(votes),
        "ballots": _ballots(votes),
        "reviewers": reviewers,
        "not_voted": [person for person in reviewers if person["vote"] is None],
        "can_vote": can_vote,
        "vote_form": vote_form if can_vote else None,
        "can_decide": review.is_open and user_id == accountable_id,
        "actions": actions,
        "evidence_artifacts": evidence.get("artifacts", []),
        "evidence_waivers": evidence.get("waivers", []),
        **hooks.review_evidence_context(request.user, review),
        "can_edit": can_edit,
        "active_tab": "gates",
    }
    return render(request, "lifecycle/gates/detail.html", context, status=status)


@login_required
@require_GET
def gate_review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _visible_review(request, pk))


@login_required
@require_POST
def gate_vote(request: HttpRequest, pk: int) -> HttpResponse:
    review = _visible_review(request, pk)
    form = VoteForm(request.POST, criteria=phase_definition(review.phase).criteria)
    if not form.is_valid():
        return _review_page(request, review, vote_form=form, status=400)
    try:
        services.gate_vote(
            actor=request.user,
            review=review,
            vote=form.cleaned_data["vote"],
            comment=form.cleaned_data["comment"],
            scores=form.scores(),
        )
    except ValidationFailed as exc:
        form.add_error(None, exc.message)
        return _review_page(request, review, vote_form=form, status=400)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("gate-review-detail", pk=review.pk)
    messages.success(request, "Your vote is recorded.")
    return redirect("gate-review-detail", pk=review.pk)


def _decide_refusal(request: HttpRequest, review: GateReview) -> str | None:
    if not review.is_open:
        return "This review is already decided; a decision is never changed."
    accountable_id, _consulted = gate_people(review.project, review.phase)
    if request.user.pk != accountable_id:
        return DECIDE_REFUSED
    return None


def _vote_summary(votes: list[Any]) -> list[dict[str, Any]]:
    """How many reviewers voted each way, in the order of the decisions (every decision, zero included)."""
    counts = Counter(vote.vote for vote in votes)
    return [{"vote": value, "label": label, "count": counts[value]} for value, label in GateDecision.choices]


def _mean_score(vote: Any) -> float | None:
    given = [score for score in (vote.scores or {}).values() if isinstance(score, int)]
    return sum(given) / len(given) if given else None


def _ballots(votes: list[Any]) -> list[dict[str, Any]]:
    return [{"vote": vote, "mean_score": _mean_score(vote)} for vote in votes]


def _votes_context(review: GateReview) -> dict[str, Any]:
    """Every vote with its scores and comment, the count per vote, and who is still awaited (the decide page)."""
    definition = phase_definition(review.phase)
    votes = list(review.votes.select_related("voter"))
    _accountable_id, reviewers = _reviewers(review, votes)
    return {
        "votes": votes,
        "ballots": _ballots(votes),
        "vote_summary": _vote_summary(votes),
        "score_rows": _score_rows(definition.criteria, votes),
        "reviewers": reviewers,
        "not_voted": [person for person in reviewers if person["vote"] is None and person["role"] == "Consulted"],
    }


def _decide_page(request: HttpRequest, review: GateReview, forms: DecisionForms, status: int = 200) -> HttpResponse:
    context = {
        **hooks.review_evidence_context(request.user, review),
        **_votes_context(review),
        "project": review.project,
        "review": review,
        "definition": phase_definition(review.phase),
        "forms": forms,
        "today": timezone.localdate(),
        "can_edit": can_edit_project(request.user, review.project),
        "active_tab": "gates",
    }
    return render(request, "lifecycle/gates/decide.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def gate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the decision form to the Accountable person; POST records the decision."""
    review = _visible_review(request, pk)
    refusal = _decide_refusal(request, review)
    if refusal:
        messages.error(request, refusal)
        return redirect("gate-review-detail", pk=review.pk)
    owners = User.objects.filter(
        pk__in=Membership.objects.filter(portfolio_id=review.project.portfolio_id).values("user_id")
    ).order_by("username")
    if request.method != "POST":
        return _decide_page(request, review, DecisionForms(owners))
    forms = DecisionForms(owners, request.POST)
    if not forms.is_valid():
        return _decide_page(request, review, forms, status=400)
    try:
        decided = services.gate_decide(
            actor=request.user,
            review=review,
            decision=forms.decision,
            rationale=forms.form.cleaned_data["rationale"],
            no_go_outcome=forms.no_go_outcome,
            actions=forms.action_inputs(),
            override_reason=forms.form.cleaned_data["override_reason"],
        )
    except ValidationFailed as exc:
        forms.add_domain_errors(exc.message, exc.details)
        return _decide_page(request, review, forms, status=400)
    except DomainError as exc:  # refused: someone decided first, or the actor is not Accountable
        messages.error(request, exc.message)
        return redirect("gate-review-detail", pk=review.pk)
    messages.success(request, f"Decision recorded: {decided.get_decision_display()}.")
    return redirect("gate-review-detail", pk=review.pk)


@login_required
@require_POST
def gate_action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    actions = GateAction.objects.select_related("review").filter(review__project__in=projects_visible_to(request.user))
    action = get_object_or_404(actions, pk=pk)
    try:
        services.gate_action_complete(actor=request.user, action=action)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Marked complete: {action.description}")
    return redirect("gate-review-detail", pk=action.review_id)
