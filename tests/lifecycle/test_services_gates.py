"""Gate reviews: request, vote, decide, conditions. A decision moves the project exactly once."""

import datetime

import pytest
from django.utils import timezone

from lifecycle import services
from lifecycle.choices import (
    GateActionKind,
    GateDecision,
    GateReviewStatus,
    NoGoOutcome,
    Phase,
    ProjectState,
    RaciRole,
)
from lifecycle.models import AuditRecord, GateAction, GateReview, GateVote, PhaseTransition, Project, RaciAssignment
from lifecycle.services.gates import ActionInput
from portal.exceptions import MissingArtifacts, NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.factories import artifact_type, provide_required_artifacts
from tests.lifecycle.service_helpers import (
    condition,
    gate_activity,
    last_audit_id,
    make_consulted,
    new_audit,
    open_review,
    pass_gate,
    refused,
    upload,
)

pytestmark = pytest.mark.clock

TODAY = datetime.date.today
CHARTER_SCORES = {"objective_clarity": 4, "success_metrics": 3, "operationalization": 5, "business_value": 2}


@pytest.fixture
def reviewers(project, people):
    """ds and architect are Consulted on the charter gate; exec (the sponsor) is Accountable."""
    gate = gate_activity(project)
    services.raci_update(
        actor=people["pm"],
        project=project,
        assignments={gate.pk: {people["ds"].pk: RaciRole.CONSULTED, people["architect"].pk: RaciRole.CONSULTED}},
    )


@pytest.fixture
def review(project, people, reviewers):
    return open_review(project, people["pm"])


def decide(review, actor, decision, **kwargs):
    return services.gate_decide(actor=actor, review=review, decision=decision, **kwargs)


def review_state(review):
    """Everything a decided review is made of, to compare before and after later events."""
    review = GateReview.objects.get(pk=review.pk)
    return {
        "row": GateReview.objects.filter(pk=review.pk).values().get(),
        "evidence_versions": sorted(review.evidence_versions.values_list("id", flat=True)),
        "votes": list(review.votes.order_by("id").values()),
        "actions": list(review.actions.order_by("id").values("id", "kind", "description", "owner", "due_date")),
    }


class TestRequest:
    def test_refused_with_the_list_of_missing_artifacts(self, project, people):
        services.artifact_add_version(
            actor=people["pm"],
            project=project,
            artifact_type=artifact_type("project-charter"),
            url="https://wiki.example.com/charter",
        )
        with refused(MissingArtifacts) as caught:
            services.gate_review_request(actor=people["pm"], project=project)
        error = caught.value
        assert error.details == {
            "missing_artifacts": [
                {"slug": "data-dictionary", "name": "Data dictionary"},
                {"slug": "data-sources", "name": "Data sources"},
                {"slug": "project-repository", "name": "Project repository"},
                {"slug": "ssot", "name": "Single source of truth"},
            ]
        }
        assert error.message == (
            "The review cannot be requested yet. Missing required artifacts: Data dictionary, Data sources, "
            "Project repository, Single source of truth."
        )
        assert (error.status_code, error.as_dict()["code"]) == (409, "missing_artifacts")

    def test_waived_artifacts_count_as_present(self, project, people):
        services.artifact_waive(actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="x")
        for slug in ("project-charter", "data-sources", "data-dictionary", "project-repository"):
            services.artifact_add_version(
                actor=people["ds"],
                project=project,
                artifact_type=artifact_type(slug),
                url=f"https://w.example.com/{slug}",
            )
        since = last_audit_id()
        review = services.gate_review_request(actor=people["pm"], project=project, note="  Ready for sign-off ")
        review = GateReview.objects.get(pk=review.pk)
        assert (review.phase, review.status, review.decision) == (Phase.CHARTER, GateReviewStatus.OPEN, "")
        assert (review.requested_by, review.request_note, review.decided_by) == (
            people["pm"],
            "Ready for sign-off",
            None,
        )
        [record] = new_audit(since)
        assert (record.action, record.actor, record.reason) == ("gate.request", people["pm"], "Ready for sign-off")
        assert (record.target_type, record.target_id) == ("lifecycle.gatereview", str(review.pk))
        assert (record.before, record.after) == (None, {"phase": "charter", "status": "open"})

    @pytest.mark.parametrize("who", ["exec", "ds", "architect", "product", "outsider"])
    def test_only_managers_request(self, project, people, who):
        provide_required_artifacts(project, people["pm"])
        with refused(NotAllowed):
            services.gate_review_request(actor=people[who], project=project)

    def test_one_open_review_at_a_time(self, project, people, review):
        with refused(TransitionNotAllowed):
            services.gate_review_request(actor=people["pm"], project=project)
        assert GateReview.objects.filter(project=project, status=GateReviewStatus.OPEN).count() == 1

    def test_refused_without_an_accountable_person(self, project, people):
        provide_required_artifacts(project, people["pm"])
        RaciAssignment.objects.filter(activity=gate_activity(project), role=RaciRole.ACCOUNTABLE).delete()
        with refused(TransitionNotAllowed):
            services.gate_review_request(actor=people["pm"], project=project)

    @pytest.mark.parametrize("outcome", [NoGoOutcome.HOLD, NoGoOutcome.CANCEL])
    def test_refused_on_a_stopped_project(self, project, people, review, outcome):
        decide(review, people["exec"], GateDecision.NO_GO, no_go_outcome=outcome, rationale="Stop")
        with refused(TransitionNotAllowed):
            services.gate_review_request(actor=people["pm"], project=project)

    def test_the_next_phase_needs_its_own_artifacts(self, project, people, review):
        decide(review, people["exec"], GateDecision.GO)
        with refused(MissingArtifacts) as caught:
            services.gate_review_request(actor=people["pm"], project=project)
        assert [item["slug"] for item in caught.value.details["missing_artifacts"]] == [
            "data-pipeline-architecture",
            "data-report",
        ]


class TestVote:
    def test_the_accountable_votes_with_scores(self, review, people, project):
        since = last_audit_id()
        ballot = services.gate_vote(
            actor=people["exec"], review=review, vote=GateDecision.GO, comment=" Solid ", scores=CHARTER_SCORES
        )
        ballot = GateVote.objects.get(pk=ballot.pk)
        assert (ballot.review, ballot.voter, ballot.vote) == (review, people["exec"], GateDecision.GO)
        assert (ballot.comment, ballot.scores) == ("Solid", CHARTER_SCORES)
        [record] = new_audit(since)
        assert (record.action, record.actor, record.project) == ("gate.vote", people["exec"], project)
        assert (record.target_type, record.target_id) == ("lifecycle.gatereview", str(review.pk))
        assert (record.before, record.after) == (None, {"vote": "go", "comment": "Solid", "scores": CHARTER_SCORES})

    @pytest.mark.parametrize("who", ["ds", "architect"])
    def test_consulted_reviewers_vote_with_partial_scores(self, review, people, who):
        ballot = services.gate_vote(
            actor=people[who], review=review, vote=GateDecision.RECYCLE, scores={"business_value": 1}
        )
        assert ballot.scores == {"business_value": 1}

    @pytest.mark.parametrize("who", ["pm", "product", "outsider"])
    def test_others_cannot_vote(self, review, people, who):
        with refused(NotAllowed):
            services.gate_vote(actor=people[who], review=review, vote=GateDecision.GO)

    def test_the_right_to_vote_follows_the_raci(self, project, review, people):
        services.raci_update(
            actor=people["pm"], project=project, assignments={gate_activity(project).pk: {people["ds"].pk: None}}
        )
        with refused(NotAllowed):
            services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.GO)
        make_consulted(project, people["pm"], people["product"])
        assert services.gate_vote(actor=people["product"], review=review, vote=GateDecision.GO).vote == "go"

    @pytest.mark.parametrize("vote", ["maybe", "", "GO", "approve"])
    def test_an_unknown_vote_is_refused(self, review, people, vote):
        with refused(ValidationFailed) as caught:
            services.gate_vote(actor=people["exec"], review=review, vote=vote)
        assert caught.value.details == {"vote": "Invalid."}

    @pytest.mark.parametrize(
        ("scores", "message"),
        [
            ({"objective_clarity": 0}, "Score from 1 (poor) to 5 (excellent)."),
            ({"objective_clarity": 6}, "Score from 1 (poor) to 5 (excellent)."),
            ({"objective_clarity": "3"}, "Score from 1 (poor) to 5 (excellent)."),
            ({"objective_clarity": 3.5}, "Score from 1 (poor) to 5 (excellent)."),
            ({"objective_clarity": True}, "Score from 1 (poor) to 5 (excellent)."),
            ({"objective_clarity": None}, "Score from 1 (poor) to 5 (excellent)."),
            ({"data_relevance": 3}, "Not a criterion of this gate."),  # a criterion of another gate
            ({"charisma": 5}, "Not a criterion of this gate."),
        ],
    )
    def test_invalid_scores_are_refused(self, review, people, scores, message):
        with refused(ValidationFailed) as caught:
            services.gate_vote(actor=people["exec"], review=review, vote=GateDecision.GO, scores=scores)
        assert caught.value.details == {"scores": {next(iter(scores)): message}}

    def test_a_vote_is_replaced_while_the_review_is_open(self, review, people):
        services.gate_vote(
            actor=people["ds"], review=review, vote=GateDecision.GO, comment="first", scores={"business_value": 4}
        )
        since = last_audit_id()
        services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.NO_GO, comment="second")
        ballot = GateVote.objects.get(review=review, voter=people["ds"])
        assert (ballot.vote, ballot.comment, ballot.scores) == (GateDecision.NO_GO, "second", {})
        [record] = new_audit(since)
        assert record.before == {"vote": "go", "comment": "first", "scores": {"business_value": 4}}
        assert record.after == {"vote": "no_go", "comment": "second", "scores": {}}

    def test_votes_are_frozen_once_decided(self, review, people):
        services.gate_vote(actor=people["ds"], review=review, vote=GateDecision.GO)
        decide(review, people["exec"], GateDecision.RECYCLE, actions=[ActionInput("Redo the metrics", people["pm"].pk)])
        for who in ("ds", "architect", "exec"):
            with refused(TransitionNotAllowed):
                services.gate_vote(actor=people[who], review=review, vote=GateDecision.NO_GO)


class TestDecide:
    def test_go_advances_one_phase_with_a_transition_and_two_audit_records(self, project, review, people):
        since, started = last_audit_id(), timezone.now()
        decide(review, people["exec"], GateDecision.GO, rationale="  Clear objective ")
        review = GateReview.objects.get(pk=review.pk)
        assert (review.status, review.decision, review.no_go_outcome) == ("decided", "go", "")
        assert (review.rationale, review.decided_by) == ("Clear objective", people["exec"])
        assert review.decided_at >= started
        project = Project.objects.get(pk=project.pk)
        assert (project.phase, project.state, project.actual_end_date) == (Phase.EXPLORATION, ProjectState.ACTIVE, None)
        transition = PhaseTransition.objects.filter(project=project).latest("id")
        assert (transition.from_phase, transition.to_phase) == (Phase.CHARTER, Phase.EXPLORATION)
        assert (transition.from_state, transition.to_state) == (ProjectState.ACTIVE, ProjectState.ACTIVE)
        assert (transition.gate_review, transition.actor, transition.reason) == (
            review,
            people["exec"],
            "Clear objective",
        )
        decision_record, move_record = new_audit(since)
        assert (decision_record.action, decision_record.actor, decision_record.reason) == (
            "gate.decide",
            people["exec"],
            "Clear objective",
        )
        assert decision_record.before == {"status": "open"}
        assert decision_record.after == {
            "status": "decided",
            "decision": "go",
            "no_go_outcome": "",
            "actions": [],
            "evidence": review.evidence,
        }
        assert (move_record.action, move_record.reason) == ("project.phase_change", "Gate decision: Go")
        assert (move_record.before, move_record.after) == ({"phase": "charter"}, {"phase": "exploration"})

    def test_conditional_go_advances_and_records_conditions(self, project, review, people):
        due = TODAY() + datetime.timedelta(days=30)
        decide(
            review,
            people["exec"],
            GateDecision.CONDITIONAL_GO,
            rationale="Go, with one condition",
            actions=[ActionInput("  Sign the data-sharing agreement ", people["ds"].pk, due)],
        )
        assert Project.objects.get(pk=project.pk).phase == Phase.EXPLORATION
        [action] = GateAction.objects.filter(review=review)
        assert (action.kind, action.description, action.owner, action.due_date) == (
            GateActionKind.CONDITION,
            "Sign the data-sharing agreement",
            people["ds"],
            due,
        )
        assert (action.completed_at, action.is_overdue) == (None, False)
        record = AuditRecord.objects.get(action="gate.decide", target_id=str(review.pk))
        assert record.after["actions"] == [
            {"description": "  Sign the data-sharing agreement ", "owner": people["ds"].pk, "due_date": due.isoformat()}
        ]

    @pytest.mark.parametrize(
        ("actions", "details_key"),
        [
            ([], "actions"),
            ([ActionInput("No due date", 0, None)], "actions[0]"),
            ([ActionInput("   ", 0, TODAY())], "actions[0]"),
            ([ActionInput("Owner outside", -1, TODAY())], "actions[0]"),
        ],
    )
    def test_conditions_need_a_description_an_owner_in_the_portfolio_and_a_due_date(
        self, review, people, actions, details_key
    ):
        owners = {0: people["ds"].pk, -1: people["outsider"].pk}
        actions = [ActionInput(a.description, owners[a.owner_id], a.due_date) for a in actions]
        with refused(ValidationFailed) as caught:
            decide(review, people["exec"], GateDecision.CONDITIONAL_GO, actions=actions)
        assert set(caught.value.details) == {details_key}

    def test_recycle_stays_in_the_phase_and_records_rework_items(self, project, review, people):
        since = last_audit_id()
        transitions = PhaseTransition.objects.count()
        decide(
            review,
            people["exec"],
            GateDecision.RECYCLE,
            rationale="Metrics are not SMART",
            actions=[ActionInput("Rewrite the success metrics", people["pm"].pk), condition(people["ds"])],
        )
        project = Project.objects.get(pk=project.pk)
        assert (project.phase, project.state) == (Phase.CHARTER, ProjectState.ACTIVE)
        assert PhaseTransition.objects.count() == transitions
        assert list(GateAction.objects.filter(review=review).values_list("kind", flat=True)) == ["rework", "rework"]
        assert [record.action for record in new_audit(since)] == ["gate.decide"]
        # The rework is done in the same phase, then the gate is asked for again.
        second = services.gate_review_request(actor=people["pm"], project=project)
        assert (second.phase, second.status) == (Phase.CHARTER, GateReviewStatus.OPEN)

    def test_recycle_needs_items_to_rework(self, review, people):
        with refused(ValidationFailed) as caught:
            decide(review, people["exec"], GateDecision.RECYCLE, rationale="Again")
        assert caught.value.details == {"actions": "Required."}

    @pytest.mark.parametrize("decision", [GateDecision.GO, GateDecision.NO_GO])
    def test_go_and_no_go_take_no_actions(self, review, people, decision):
        extra = {"no_go_outcome": NoGoOutcome.HOLD, "rationale": "x"} if decision == GateDecision.NO_GO else {}
        with refused(ValidationFailed):
            decide(review, people["exec"], decision, actions=[condition(people["ds"])], **extra)

    def test_no_go_hold_puts_the_project_on_hold(self, project, review, people):
        since = last_audit_id()
        decide(review, people["exec"], GateDecision.NO_GO, no_go_outcome=NoGoOutcome.HOLD, rationale="Budget frozen")
        project = Project.objects.get(pk=project.pk)
        assert (project.phase, project.state, project.actual_end_date) == (Phase.CHARTER, ProjectState.ON_HOLD, None)
        transition = PhaseTransition.objects.filter(project=project).latest("id")
        assert (transition.from_state, transition.to_state, transition.gate_review_id) == (
            "active",
            "on_hold",
            review.pk,
        )
        decision_record, move_record = new_audit(since)
        assert (decision_record.after["decision"], decision_record.after["no_go_outcome"]) == ("no_go", "hold")
        assert move_record.action == "project.state_change"
        assert (move_record.before, move_record.after) == ({"state": "active"}, {"state": "on_hold"})

    def test_no_go_cancel_cancels_the_project_and_ends_it_today(self, project, review, people):
        since = last_audit_id()
        decide(review, people["exec"], GateDecision.NO_GO, no_go_outcome=NoGoOutcome.CANCEL, rationale="No signal")
        project = Project.objects.get(pk=project.pk)
        today = timezone.localdate()
        assert (project.phase, project.state, project.actual_end_date) == (Phase.CHARTER, ProjectState.CANCELLED, today)
        move_record = new_audit(since)[1]
        assert move_record.before == {"state": "active", "actual_end_date": None}
        assert move_record.after == {"state": "cancelled", "actual_end_date": today.isoformat()}

    @pytest.mark.parametrize(
        ("kwargs", "details"),
        [
            ({"rationale": "x"}, {"no_go_outcome": "Required."}),
            ({"rationale": "x", "no_go_outcome": "pause"}, {"no_go_outcome": "Required."}),
            ({"no_go_outcome": NoGoOutcome.HOLD}, {"rationale": "Required."}),
            ({"no_go_outcome": NoGoOutcome.CANCEL, "rationale": "   "}, {"rationale": "Required."}),
        ],
    )
    def test_no_go_needs_an_outcome_and_a_reason(self, review, people, kwargs, details):
        with refused(ValidationFailed) as caught:
            decide(review, people["exec"], GateDecision.NO_GO, **kwargs)
        assert caught.value.details == details

    @pytest.mark.parametrize("decision", [GateDecision.GO, GateDecision.CONDITIONAL_GO, GateDecision.RECYCLE])
    def test_only_a_no_go_has_an_outcome(self, review, people, decision):
        actions = [condition(people["ds"])] if decision != GateDecision.GO else []
        with refused(ValidationFailed) as caught:
            decide(review, people["exec"], decision, no_go_outcome=NoGoOutcome.HOLD, actions=actions)
        assert caught.value.details == {"no_go_outcome": "Not allowed."}

    @pytest.mark.parametrize("decision", ["approve", "", "GO"])
    def test_an_unknown_decision_is_refused(self, review, people, decision):
        with refused(ValidationFailed):
            decide(review, people["exec"], decision)

    @pytest.mark.parametrize("who", ["pm", "ds", "architect", "product", "outsider"])
    def test_only_the_accountable_decides(self, review, people, who):
        with refused(NotAllowed):
            decide(review, people[who], GateDecision.GO)

    def test_the_decider_is_the_accountable_at_decision_time(self, project, review, people):
        services.raci_update(
            actor=people["pm"],
            project=project,
            assignments={
                gate_activity(project).pk: {people["exec"].pk: None, people["architect"].pk: RaciRole.ACCOUNTABLE}
            },
        )
        with refused(NotAllowed):
            decide(review, people["exec"], GateDecision.GO)
        decide(review, people["architect"], GateDecision.GO)
        assert GateReview.objects.get(pk=review.pk).decided_by == people["architect"]

    @pytest.mark.parametrize("decision", [GateDecision.GO, GateDecision.RECYCLE, GateDecision.NO_GO])
    def test_a_decided_review_is_never_decided_again(self, review, people, decision):
        decide(review, people["exec"], GateDecision.NO_GO, no_go_outcome=NoGoOutcome.HOLD, rationale="Hold")
        kwargs = {
            GateDecision.GO: {},
            GateDecision.RECYCLE: {"actions": [condition(people["ds"])]},
            GateDecision.NO_GO: {"no_go_outcome": NoGoOutcome.CANCEL, "rationale": "Cancel"},
        }[decision]
        with refused(TransitionNotAllowed):
            decide(review, people["exec"], decision, **kwargs)

    def test_closure_go_closes_the_project(self, project, people):
        for _gate in range(4):
            pass_gate(project, people["pm"], people["exec"])
        project.refresh_from_db()
        assert (project.phase, project.state) == (Phase.CLOSURE, ProjectState.ACTIVE)
        since = last_audit_id()
        pass_gate(project, people["pm"], people["exec"])
        project.refresh_from_db()
        assert (project.phase, project.state) == (Phase.CLOSURE, ProjectState.CLOSED)
        assert project.actual_end_date == timezone.localdate()
        assert [r.action for r in new_audit(since) if r.action.startswith(("gate.", "project."))] == [
            "gate.request",
            "gate.decide",
            "project.state_change",
        ]
        path = list(PhaseTransition.objects.filter(project=project).values_list("to_phase", "to_state"))
        assert path == [
            ("charter", "active"),
            ("exploration", "active"),
            ("modeling", "active"),
            ("deployment", "active"),
            ("closure", "active"),
            ("closure", "closed"),
        ]
        with refused(TransitionNotAllowed):
            services.gate_review_request(actor=people["pm"], project=project)


class TestEvidence:
    def test_the_decision_freezes_the_current_versions_and_waivers(self, project, people, reviewers):
        services.artifact_waive(
            actor=people["exec"], project=project, artifact_type=artifact_type("ssot"), reason="One source"
        )
        services.artifact_add_version(
            actor=people["pm"],
            project=project,
            artifact_type=artifact_type("project-charter"),
            upload=upload("charter.md", b"# v1\n"),
        )
        latest = services.artifact_add_version(
            actor=people["pm"],
            project=project,
            artifact_type=artifact_type("project-charter"),
            upload=upload("charter.md", b"# v2\n"),
        )
        review = open_review(project, people["pm"])
        review = decide(review, people["exec"], GateDecision.GO)
        review = GateReview.objects.get(pk=review.pk)
        by_type = {item["artifact_type"]: item for item in review.evidence["artifacts"]}
        assert set(by_type) == {"project-charter", "data-sources", "data-dictionary", "project-repository"}
        assert (by_type["project-charter"]["version_id"], by_type["project-charter"]["number"]) == (latest.pk, 2)
        assert by_type["project-charter"]["sha256"] == latest.sha256
        assert review.evidence["waivers"] == [
            {"artifact_type": "ssot", "artifact_type_name": "Single source of truth", "reason": "One source"}
        ]
        assert sorted(review.evidence_versions.values_list("id", flat=True)) == sorted(
            item["version_id"] for item in review.evidence["artifacts"]
        )

    def test_a_decided_review_never_changes_afterwards(self, project, review, people):
        decide(review, people["exec"], GateDecision.RECYCLE, actions=[ActionInput("Redo the charter", people["pm"].pk)])
        frozen = review_state(review)
        # Everything that may happen later in the same phase: new versions, waivers, RACI, a new review.
        services.artifact_add_version(
            actor=people["pm"],
            project=project,
            artifact_type=artifact_type("project-charter"),
            upload=upload("charter.md", b"# reworked\n"),
        )
        services.raci_update(
            actor=people["pm"], project=project, assignments={gate_activity(project).pk: {people["ds"].pk: None}}
        )
        second = services.gate_review_request(actor=people["pm"], project=project)
        services.gate_vote(actor=people["exec"], review=second, vote=GateDecision.GO)
        decide(second, people["exec"], GateDecision.GO)
        with pytest.raises(TransitionNotAllowed):
            services.gate_vote(actor=people["exec"], review=review, vote=GateDecision.NO_GO)
        assert review_state(review) == frozen
        second = GateReview.objects.get(pk=second.pk)
        charter_evidence = [i for i in second.evidence["artifacts"] if i["artifact_type"] == "project-charter"]
        assert [item["number"] for item in charter_evidence] == [2]


class TestGateActions:
    @pytest.fixture
    def conditions(self, review, people):
        decide(
            review,
            people["exec"],
            GateDecision.CONDITIONAL_GO,
            actions=[
                condition(people["ds"], days=-1, description="Late"),
                condition(people["ds"], days=0, description="Due today"),
                condition(people["architect"], days=5, description="Later"),
            ],
        )
        return {a.description: a for a in GateAction.objects.filter(review=review)}

    def test_overdue_conditions_are_flagged(self, conditions):
        assert {name: a.is_overdue for name, a in conditions.items()} == {
            "Late": True,
            "Due today": False,
            "Later": False,
        }

    def test_the_owner_completes_a_condition(self, conditions, people, review):
        frozen = review_state(review)["row"]
        since = last_audit_id()
        services.gate_action_complete(actor=people["ds"], action=conditions["Late"])
        action = GateAction.objects.get(pk=conditions["Late"].pk)
        assert action.completed_at is not None
        assert action.is_overdue is False
        [record] = new_audit(since)
        assert (record.action, record.actor, record.before) == (
            "gate.action_complete",
            people["ds"],
            {"completed_at": None},
        )
        assert record.after["description"] == "Late"
        assert GateReview.objects.filter(pk=review.pk).values().get() == frozen

    def test_a_manager_may_complete_it_too(self, conditions, people):
        services.gate_action_complete(actor=people["pm"], action=conditions["Later"])
        assert GateAction.objects.get(pk=conditions["Later"].pk).completed_at is not None

    @pytest.mark.parametrize("who", ["exec", "architect", "product", "outsider"])
    def test_others_cannot_complete_it(self, conditions, people, who):
        with refused(NotAllowed):
            services.gate_action_complete(actor=people[who], action=conditions["Late"])

    def test_a_condition_is_completed_once(self, conditions, people):
        services.gate_action_complete(actor=people["ds"], action=conditions["Late"])
        with refused(TransitionNotAllowed):
            services.gate_action_complete(actor=people["ds"], action=conditions["Late"])
