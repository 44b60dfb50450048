"""Gate review pages: request, review, vote, decide (every outcome), action completion, refusals."""

import datetime
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from lifecycle import services
from lifecycle.choices import GateActionKind, Phase, ProjectState
from lifecycle.models import Activity, AuditRecord, GateAction, GateReview, GateVote, PhaseTransition
from tests.factories import provide_required_artifacts

pytestmark = pytest.mark.clock

CHARTER_CRITERIA = ("objective_clarity", "success_metrics", "operationalization", "business_value")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def reviewers(project, people):
    """The architect is Consulted on the charter gate; the sponsor (exec) is its Accountable by default."""
    gate = Activity.objects.get(project=project, phase=Phase.CHARTER, is_gate=True)
    services.raci_update(actor=people["pm"], project=project, assignments={gate.pk: {people["architect"].pk: "C"}})
    return people


@pytest.fixture
def review(project, reviewers):
    provide_required_artifacts(project, reviewers["pm"])
    return services.gate_review_request(actor=reviewers["pm"], project=project, note="Charter ready")


def project_position(project):
    project.refresh_from_db()
    return project.phase, project.state


# --- requesting ----------------------------------------------------------------------------------


def test_request_with_missing_artifacts_lists_them_and_creates_nothing(client, project, people):
    client.force_login(people["pm"])
    response = client.post(reverse("gate-request", args=[project.pk]))
    assert response.status_code == 302
    assert response.url == reverse("project-detail", args=[project.pk])
    assert GateReview.objects.count() == 0
    assert AuditRecord.objects.filter(action="gate.request").count() == 0
    page = client.get(response.url)  # the message is shown on the project page
    html = page.content.decode()
    assert '<ul class="mb-1 mt-1" data-testid="missing-artifacts">' in html
    for name in ("Project charter", "Data sources", "Single source of truth", "Data dictionary", "Project repository"):
        assert f"<li>{name}</li>" in html
    assert f'href="{reverse("project-artifacts", args=[project.pk])}"' in html


def test_request_lists_only_what_is_still_missing(client, project, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import artifact_type

    services.artifact_add_version(
        actor=people["pm"],
        project=project,
        artifact_type=artifact_type("project-charter"),
        upload=SimpleUploadedFile("charter.md", b"# Charter\n"),
    )
    client.force_login(people["pm"])
    response = client.post(reverse("gate-request", args=[project.pk]))
    message = messages_of(response)[0]
    assert "<li>Project charter</li>" not in message
    assert message.count("<li>") == 4


def test_request_succeeds_and_redirects_to_the_review(client, project, reviewers):
    provide_required_artifacts(project, reviewers["pm"])
    client.force_login(reviewers["pm"])
    response = client.post(reverse("gate-request", args=[project.pk]), {"note": "Please review"})
    created = GateReview.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("gate-review-detail", args=[created.pk])
    assert (created.phase, created.status, created.requested_by, created.request_note) == (
        Phase.CHARTER,
        "open",
        reviewers["pm"],
        "Please review",
    )


def test_request_refused_for_non_managers_and_get_not_allowed(client, project, people):
    provide_required_artifacts(project, people["pm"])
    client.force_login(people["exec"])
    url = reverse("gate-request", args=[project.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    assert messages_of(response) == ["Only the portfolio's program or project managers can request a gate review."]
    assert GateReview.objects.count() == 0
    client.force_login(people["outsider"])
    assert client.post(url).status_code == 404


def test_second_request_while_one_is_open_is_refused(client, review, people):
    client.force_login(people["pm"])
    response = client.post(reverse("gate-request", args=[review.project_id]))
    assert messages_of(response) == ["A gate review is already open for this project."]
    assert GateReview.objects.count() == 1


# --- the review page -----------------------------------------------------------------------------


def test_review_page_shows_criteria_reviewers_and_who_has_not_voted(client, review, people):
    services.gate_vote(actor=people["exec"], review=review, vote="go", comment="Solid", scores={"objective_clarity": 4})
    client.force_login(people["ds"])
    response = client.get(reverse("gate-review-detail", args=[review.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Charter approval" in html
    assert 'data-testid="review-status">Open<' in html
    for key in CHARTER_CRITERIA:
        assert f'data-criterion="{key}"' in html
    assert [(p["user"].username, p["role"]) for p in response.context["reviewers"]] == [
        ("exec", "Accountable"),
        ("architect", "Consulted"),
    ]
    assert [p["user"].username for p in response.context["not_voted"]] == ["architect"]
    assert "Waiting for: architect" in html
    assert "Solid" in html
    assert response.context["score_rows"][0]["scores"] == [4]
    # a data scientist is neither Accountable nor Consulted: no vote form, no decide button
    assert reverse("gate-vote", args=[review.pk]) not in html
    assert reverse("gate-decide", args=[review.pk]) not in html


def test_review_page_offers_vote_form_to_reviewers_and_decide_to_accountable(client, review, people):
    client.force_login(people["architect"])
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert reverse("gate-vote", args=[review.pk]) in html
    assert 'name="score_objective_clarity"' in html
    assert reverse("gate-decide", args=[review.pk]) not in html
    client.force_login(people["exec"])
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert reverse("gate-vote", args=[review.pk]) in html
    assert reverse("gate-decide", args=[review.pk]) in html


def test_review_page_hidden_from_outsiders_and_anonymous(client, review, people):
    url = reverse("gate-review-detail", args=[review.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404


# --- voting --------------------------------------------------------------------------------------


def test_consulted_reviewer_votes_with_scores(client, review, people):
    client.force_login(people["architect"])
    data = {"vote": "conditional_go", "comment": "Metrics need a baseline", "score_success_metrics": "2",
            "score_business_value": "4", "score_objective_clarity": ""}  # fmt: skip
    response = client.post(reverse("gate-vote", args=[review.pk]), data)
    assert response.status_code == 302
    assert messages_of(response) == ["Your vote is recorded."]
    vote = GateVote.objects.get()
    assert (vote.voter, vote.vote, vote.comment, vote.scores) == (
        people["architect"],
        "conditional_go",
        "Metrics need a baseline",
        {"success_metrics": 2, "business_value": 4},
    )
    # changing the vote replaces it; the form opens with what was said
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert 'value="conditional_go" class="form-check-input" id="id_vote_1" checked' in html
    client.post(reverse("gate-vote", args=[review.pk]), {"vote": "go"})
    assert list(GateVote.objects.values_list("vote", "scores")) == [("go", {})]


def test_accountable_votes_too(client, review, people):
    client.force_login(people["exec"])
    client.post(reverse("gate-vote", args=[review.pk]), {"vote": "go"})
    assert list(GateVote.objects.values_list("voter__username", "vote")) == [("exec", "go")]


@pytest.mark.parametrize("role", ["pm", "ds", "product"])
def test_vote_refused_for_people_not_on_the_gate(client, review, people, role):
    client.force_login(people[role])
    response = client.post(reverse("gate-vote", args=[review.pk]), {"vote": "go"})
    assert response.status_code == 302
    assert messages_of(response) == ["Only the gate's Accountable and Consulted people vote on this review."]
    assert GateVote.objects.count() == 0


def test_invalid_vote_keeps_input_and_writes_nothing(client, review, people):
    client.force_login(people["architect"])
    data = {"vote": "maybe", "comment": "Kept comment", "score_business_value": "7"}
    response = client.post(reverse("gate-vote", args=[review.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kept comment" in html
    assert "Select a valid choice. maybe is not one of the available choices." in html
    assert "Select a valid choice. 7 is not one of the available choices." in html
    assert GateVote.objects.count() == 0


def test_vote_on_a_decided_review_is_refused(client, review, people):
    services.gate_decide(actor=people["exec"], review=review, decision="go")
    client.force_login(people["architect"])
    response = client.post(reverse("gate-vote", args=[review.pk]), {"vote": "no_go"})
    assert messages_of(response) == ["This review is decided; its votes are frozen."]
    assert GateVote.objects.count() == 0


# --- deciding ------------------------------------------------------------------------------------


def decide(client, review, **data):
    data.setdefault("actions-TOTAL_FORMS", str(len([k for k in data if k.endswith("-description")])))
    data.setdefault("actions-INITIAL_FORMS", "0")
    return client.post(reverse("gate-decide", args=[review.pk]), data)


def test_decide_form_is_for_the_accountable_person_only(client, review, people):
    url = reverse("gate-decide", args=[review.pk])
    client.force_login(people["exec"])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="decision"' in html and 'name="no_go_outcome"' in html
    assert 'name="actions-0-owner"' in html and '<template id="empty-actions">' in html
    assert "js/charter.js" in html
    for role in ("pm", "architect", "ds"):
        client.force_login(people[role])
        for response in (client.get(url), decide(client, review, decision="go")):
            assert response.status_code == 302
            assert response.url == reverse("gate-review-detail", args=[review.pk])
            assert messages_of(response)[-1] == "Only the Accountable person of this gate can decide it."
    review.refresh_from_db()
    assert review.is_open
    assert project_position(review.project) == (Phase.CHARTER, ProjectState.ACTIVE)


def test_go_moves_the_project_and_freezes_evidence(client, review, people):
    client.force_login(people["exec"])
    response = decide(client, review, decision="go", rationale="All criteria met")
    assert response.status_code == 302
    assert messages_of(response) == ["Decision recorded: Go."]
    review.refresh_from_db()
    assert (review.status, review.decision, review.decided_by, review.rationale) == (
        "decided",
        "go",
        people["exec"],
        "All criteria met",
    )
    assert project_position(review.project) == (Phase.EXPLORATION, ProjectState.ACTIVE)
    assert PhaseTransition.objects.filter(gate_review=review).count() == 1
    assert GateAction.objects.count() == 0
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert 'data-testid="decision"' in html and "All criteria met" in html
    assert len(review.evidence["artifacts"]) == 5
    for item in review.evidence["artifacts"]:
        assert f'href="{reverse("artifact-download", args=[item["version_id"]])}"' in html
        assert item["artifact_type_name"] in html
    assert reverse("gate-decide", args=[review.pk]) not in html


def test_go_ignores_rows_typed_for_another_decision(client, review, people):
    client.force_login(people["exec"])
    decide(client, review, decision="go", **{"actions-0-description": "Leftover", "actions-0-owner": "999999"})
    review.refresh_from_db()
    assert review.decision == "go"
    assert GateAction.objects.count() == 0


def test_conditional_go_records_conditions_with_owners_and_overdue_flags(client, review, people):
    client.force_login(people["exec"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = decide(
        client,
        review,
        decision="conditional_go",
        rationale="Go, with two conditions",
        **{
            "actions-0-description": "Add a churn baseline",
            "actions-0-owner": str(people["product"].pk),
            "actions-0-due_date": yesterday.isoformat(),
            "actions-1-description": "Name the SSOT owner",
            "actions-1-owner": str(people["ds"].pk),
            "actions-1-due_date": "2099-01-31",
            "actions-2-description": "",
            "actions-2-owner": "",
            "actions-2-due_date": "",
        },
    )
    assert response.status_code == 302
    assert project_position(review.project) == (Phase.EXPLORATION, ProjectState.ACTIVE)
    actions = list(GateAction.objects.order_by("id").values_list("kind", "description", "owner__username", "due_date"))
    assert actions == [
        (GateActionKind.CONDITION, "Add a churn baseline", "product", yesterday),
        (GateActionKind.CONDITION, "Name the SSOT owner", "ds", datetime.date(2099, 1, 31)),
    ]
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert html.count('<span class="badge text-bg-danger">overdue</span>') == 1
    assert "Conditions" in html


def test_conditional_go_without_a_due_date_is_refused_with_input_kept(client, review, people):
    client.force_login(people["exec"])
    response = decide(
        client,
        review,
        decision="conditional_go",
        **{"actions-0-description": "Add a baseline", "actions-0-owner": str(people["product"].pk)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Some conditions or rework items are incomplete." in html
    assert "A condition needs a due date." in html
    assert 'value="Add a baseline"' in html
    review.refresh_from_db()
    assert review.is_open
    assert project_position(review.project) == (Phase.CHARTER, ProjectState.ACTIVE)
    assert GateAction.objects.count() == 0


def test_conditional_go_without_conditions_is_refused(client, review, people):
    client.force_login(people["exec"])
    response = decide(client, review, decision="conditional_go")
    assert response.status_code == 400
    assert "A conditional go needs at least one condition." in response.content.decode()
    assert project_position(review.project) == (Phase.CHARTER, ProjectState.ACTIVE)


def test_recycle_keeps_the_phase_and_records_rework(client, review, people):
    client.force_login(people["exec"])
    response = decide(
        client,
        review,
        decision="recycle",
        rationale="Metrics are not SMART",
        **{"actions-0-description": "Rewrite the success metrics", "actions-0-owner": str(people["pm"].pk)},
    )
    assert response.status_code == 302
    assert project_position(review.project) == (Phase.CHARTER, ProjectState.ACTIVE)
    assert list(GateAction.objects.values_list("kind", "description", "owner__username", "due_date")) == [
        (GateActionKind.REWORK, "Rewrite the success metrics", "pm", None)
    ]
    assert PhaseTransition.objects.filter(gate_review=review).count() == 0
    review.refresh_from_db()
    assert (review.status, review.decision) == ("decided", "recycle")


@pytest.mark.parametrize(("outcome", "state"), [("hold", ProjectState.ON_HOLD), ("cancel", ProjectState.CANCELLED)])
def test_no_go_puts_on_hold_or_cancels(client, review, people, outcome, state):
    client.force_login(people["exec"])
    response = decide(client, review, decision="no_go", no_go_outcome=outcome, rationale="No business value")
    assert response.status_code == 302
    assert project_position(review.project) == (Phase.CHARTER, state)
    review.refresh_from_db()
    assert (review.decision, review.no_go_outcome, review.rationale) == ("no_go", outcome, "No business value")
    html = client.get(reverse("gate-review-detail", args=[review.pk])).content.decode()
    assert ("Put on hold" if outcome == "hold" else "Cancel") in html


def test_no_go_needs_an_outcome_and_a_reason(client, review, people):
    client.force_login(people["exec"])
    response = decide(client, review, decision="no_go", rationale="")
    assert response.status_code == 400
    assert "A no-go puts the project on hold or cancels it: choose one." in response.content.decode()
    response = decide(client, review, decision="no_go", no_go_outcome="hold", rationale="")
    assert response.status_code == 400
    assert "A no-go needs a reason." in response.content.decode()
    review.refresh_from_db()
    assert review.is_open
    assert project_position(review.project) == (Phase.CHARTER, ProjectState.ACTIVE)


def test_second_decision_is_refused_and_changes_nothing(client, review, people):
    client.force_login(people["exec"])
    decide(
        client, review, decision="recycle", **{"actions-0-description": "Redo", "actions-0-owner": str(people["pm"].pk)}
    )
    audit_count = AuditRecord.objects.count()
    response = decide(client, review, decision="go")
    assert response.status_code == 302
    assert messages_of(response)[-1] == "This review is already decided; a decision is never changed."
    review.refresh_from_db()
    assert review.decision == "recycle"
    assert project_position(review.project) == (Phase.CHARTER, ProjectState.ACTIVE)
    assert AuditRecord.objects.count() == audit_count
    assert client.get(reverse("gate-decide", args=[review.pk])).status_code == 302


def test_concurrent_decision_refused_by_the_service_is_a_message(client, review, people):
    """The page was opened before another decision landed: the service's lock is the last word."""
    client.force_login(people["exec"])
    services.gate_decide(actor=people["exec"], review=review, decision="go")
    with mock.patch("lifecycle.views.gates._decide_refusal", return_value=None):
        response = decide(client, review, decision="no_go", no_go_outcome="cancel", rationale="Stop")
    assert response.status_code == 302
    assert messages_of(response)[-1] == "This review is already decided; a decision is never changed."
    review.refresh_from_db()
    assert review.decision == "go"
    assert project_position(review.project) == (Phase.EXPLORATION, ProjectState.ACTIVE)


# --- completing conditions -----------------------------------------------------------------------


@pytest.fixture
def condition(review, people):
    services.gate_decide(
        actor=people["exec"],
        review=review,
        decision="conditional_go",
        actions=[services.gates.ActionInput("Add a baseline", people["architect"].pk, datetime.date(2099, 1, 1))],
    )
    return GateAction.objects.get()


def test_owner_marks_a_condition_complete(client, condition, people):
    client.force_login(people["architect"])
    page = client.get(reverse("gate-review-detail", args=[condition.review_id])).content.decode()
    assert reverse("gate-action-complete", args=[condition.pk]) in page
    response = client.post(reverse("gate-action-complete", args=[condition.pk]))
    assert response.status_code == 302
    assert response.url == reverse("gate-review-detail", args=[condition.review_id])
    assert messages_of(response) == ["Marked complete: Add a baseline"]
    condition.refresh_from_db()
    assert condition.completed_at is not None
    response = client.post(reverse("gate-action-complete", args=[condition.pk]))
    assert messages_of(response)[-1] == "This item is already complete."


def test_others_cannot_complete_a_condition(client, condition, people):
    client.force_login(people["ds"])
    page = client.get(reverse("gate-review-detail", args=[condition.review_id])).content.decode()
    assert reverse("gate-action-complete", args=[condition.pk]) not in page
    response = client.post(reverse("gate-action-complete", args=[condition.pk]))
    assert messages_of(response) == ["Only the item's owner or the project's managers can complete it."]
    condition.refresh_from_db()
    assert condition.completed_at is None
    client.force_login(people["outsider"])
    assert client.post(reverse("gate-action-complete", args=[condition.pk])).status_code == 404
    assert client.get(reverse("gate-action-complete", args=[condition.pk])).status_code == 405
