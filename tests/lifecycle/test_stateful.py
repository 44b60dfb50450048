"""Random sequences of governance actions by random people, with the invariants checked after each step.

Hypothesis drives a RuleBasedStateMachine: provide and waive artifacts, request gates, vote, decide
(valid and invalid input), edit the charter on the current or a stale version, change the RACI,
resume. Each machine runs inside a savepoint of the test's transaction, rolled back at teardown,
so every example starts from the same users and a fresh project.
"""

import datetime

from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from lifecycle import services
from lifecycle.choices import GateDecision, GateReviewStatus, NoGoOutcome, Phase, ProjectState, RaciRole
from lifecycle.models import ArtifactType, AuditRecord, Charter, CharterVersion, GateReview, PhaseTransition, Project
from lifecycle.services.artifacts import required_artifact_slugs
from lifecycle.services.gates import ActionInput
from lifecycle.services.raci import gate_people, raci_grid, raci_problems
from portal.exceptions import DomainError, StaleEdit
from tests.factories import make_project, provide_required_artifacts
from tests.lifecycle.service_helpers import fingerprint

ACTORS = ["pm", "exec", "ds", "architect", "outsider"]
actors = st.sampled_from(ACTORS)
# Who may act depends on the RACI at that moment; "accountable" names whoever holds A on the gate,
# so that decisions and waivers succeed often enough for the machine to travel through the phases.
gate_actors = st.sampled_from(["accountable", "accountable", *ACTORS])
managers_first = st.sampled_from(["pm", "pm", *ACTORS])
AUDIT = AuditRecord._meta.label
TRANSITIONS = PhaseTransition._meta.label
ADVANCING = {GateDecision.GO, GateDecision.CONDITIONAL_GO}


def phase_index(phase: str) -> int:
    return Phase.ordered().index(Phase(phase))


DECIDED_REVIEWS_SQL = """
SELECT r.id, md5(
    r::text
    || coalesce((SELECT string_agg(concat_ws(',', a.kind, a.description, a.owner_id, a.due_date), '|' ORDER BY a.id)
                 FROM lifecycle_gateaction a WHERE a.review_id = r.id), '')
    || coalesce((SELECT string_agg(v::text, '|' ORDER BY v.id) FROM lifecycle_gatevote v WHERE v.review_id = r.id), '')
    || coalesce((SELECT string_agg(e.artifactversion_id::text, ',' ORDER BY e.artifactversion_id)
                 FROM lifecycle_gatereview_evidence_versions e WHERE e.gatereview_id = r.id), '')
)
FROM lifecycle_gatereview r
WHERE r.project_id = %s AND r.status = 'decided'
"""


def decided_reviews(project: Project) -> dict[int, str]:
    """review id -> fingerprint of the decided review with its actions, votes and evidence."""
    if connection.vendor == "postgresql":  # one query per step instead of four per review
        with connection.cursor() as cursor:
            cursor.execute(DECIDED_REVIEWS_SQL, [project.pk])
            return dict(cursor.fetchall())
    return {
        review.pk: repr(
            (
                GateReview.objects.filter(pk=review.pk).values().get(),
                sorted(review.evidence_versions.values_list("id", flat=True)),
                list(review.actions.order_by("id").values_list("kind", "description", "owner_id", "due_date")),
                list(review.votes.order_by("id").values()),
            )
        )
        for review in GateReview.objects.filter(project=project, status=GateReviewStatus.DECIDED)
    }


class GovernanceMachine(RuleBasedStateMachine):
    def __init__(self, people, portfolio):
        super().__init__()
        self.people = people
        self.savepoint = transaction.savepoint()
        self.project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"])
        gates = self.project.activities.filter(is_gate=True).values_list("id", flat=True)
        services.raci_update(
            actor=people["pm"],
            project=self.project,
            assignments={gate: {people["ds"].pk: RaciRole.CONSULTED} for gate in gates},
        )
        self.decided: dict[int, dict] = {}  # review id -> the decided review as first seen
        self.text_counter = 0

    def teardown(self):
        transaction.savepoint_rollback(self.savepoint)

    # -- the one way every rule acts ------------------------------------------------------------

    def fresh(self) -> Project:
        return Project.objects.get(pk=self.project.pk)

    def attempt(self, kind: str, call):
        """Run call(project); check that a refusal changed nothing and a change left an audit trail."""
        project = self.fresh()
        before = fingerprint()
        try:
            result = call(project)
        except DomainError as error:
            assert fingerprint() == before, f"{kind} was refused ({error.message}) yet changed data"
            return None, error
        after = fingerprint()
        if after != before:
            assert after[AUDIT][0] > before[AUDIT][0], f"{kind} changed data without an audit record"
        self.check_movement(kind, project, result, after[TRANSITIONS][0] - before[TRANSITIONS][0])
        return result, None

    def check_movement(self, kind: str, before: Project, result, new_transitions: int) -> None:
        """Phase and state move only through a decision (or a resume), by one step, with one transition."""
        after = self.fresh()
        old, new = (before.phase, before.state), (after.phase, after.state)
        if old == new:
            assert new_transitions == 0, f"{kind} recorded a transition without moving"
            return
        assert new_transitions == 1, f"{kind} moved the project with {new_transitions} transitions"
        if kind == "resume":
            assert (old[1], new) == (ProjectState.ON_HOLD, (before.phase, ProjectState.ACTIVE))
            return
        assert kind == "decide", f"{kind} moved the project from {old} to {new}"
        assert before.state == ProjectState.ACTIVE
        decision = result.decision
        if decision in ADVANCING and before.phase == Phase.CLOSURE:
            assert new == (Phase.CLOSURE, ProjectState.CLOSED)
        elif decision in ADVANCING:
            assert phase_index(after.phase) == phase_index(before.phase) + 1
            assert after.state == ProjectState.ACTIVE
        else:
            assert decision == GateDecision.NO_GO, f"a {decision} moved the project"
            expected = ProjectState.ON_HOLD if result.no_go_outcome == NoGoOutcome.HOLD else ProjectState.CANCELLED
            assert new == (before.phase, expected)

    def person(self, actor: str, phase: str | None = None):
        if actor != "accountable":
            return self.people[actor]
        accountable, _consulted = gate_people(self.project, phase or self.fresh().phase)
        return next(user for user in self.people.values() if user.pk == accountable)

    def review(self) -> GateReview | None:
        """The open review if any, else the latest decided one (to try acting on a frozen review)."""
        reviews = GateReview.objects.filter(project=self.project)
        return reviews.filter(status=GateReviewStatus.OPEN).first() or reviews.order_by("-id").first()

    def has_review(self) -> bool:
        return GateReview.objects.filter(project=self.project).exists()

    # -- where each example starts -------------------------------------------------------------

    @initialize(gates_passed=st.integers(0, 4), with_open_review=st.booleans())
    def start_somewhere_in_the_lifecycle(self, gates_passed, with_open_review):
        """Start in a random phase, maybe with a review open, so that deep states are explored too."""
        pm = self.people["pm"]
        for _gate in range(gates_passed):
            provide_required_artifacts(self.fresh(), pm)
            review = services.gate_review_request(actor=pm, project=self.project)
            services.gate_decide(actor=self.person("accountable"), review=review, decision=GateDecision.GO)
            self.decided = decided_reviews(self.project)
        if with_open_review:
            provide_required_artifacts(self.fresh(), pm)
            services.gate_review_request(actor=pm, project=self.project)

    # -- rules ----------------------------------------------------------------------------------

    @rule(
        decision=st.sampled_from(
            [GateDecision.GO, GateDecision.CONDITIONAL_GO, GateDecision.RECYCLE, GateDecision.NO_GO]
        )
    )
    def run_a_gate_cycle(self, decision):
        """Provide what is missing, request the gate and decide it, each step checked on its own."""
        self.provide_everything_missing()
        if not GateReview.objects.filter(project=self.project, status=GateReviewStatus.OPEN).exists():
            self.request_gate("pm")
        if GateReview.objects.filter(project=self.project, status=GateReviewStatus.OPEN).exists():
            self.decide_consistently("accountable", decision, NoGoOutcome.HOLD, "ds", overdue=False)

    @rule(actor=actors, pick=st.integers(0, 20), any_type=st.booleans())
    def provide_artifact(self, actor, pick, any_type):
        def call(project):
            slugs = sorted(
                ArtifactType.objects.values_list("slug", flat=True)
                if any_type
                else required_artifact_slugs(project.phase)
            )
            slug = slugs[pick % len(slugs)]
            return services.artifact_add_version(
                actor=self.people[actor],
                project=project,
                artifact_type=ArtifactType.objects.get(slug=slug),
                url=f"https://docs.example.com/{slug}/{pick}",
            )

        _result, error = self.attempt("provide", call)
        if actor in ("exec", "outsider"):
            assert error is not None

    @rule()
    def provide_everything_missing(self):
        self.attempt("provide", lambda project: provide_required_artifacts(project, self.people["pm"]))

    @rule(actor=gate_actors, pick=st.integers(0, 20), reason=st.sampled_from(["", "Not needed here"]))
    def waive(self, actor, pick, reason):
        accountable, _consulted = gate_people(self.project, self.fresh().phase)
        user = self.person(actor)

        def call(project):
            slugs = sorted(ArtifactType.objects.values_list("slug", flat=True))
            artifact_type = ArtifactType.objects.get(slug=slugs[pick % len(slugs)])
            return services.artifact_waive(actor=user, project=project, artifact_type=artifact_type, reason=reason)

        _result, error = self.attempt("waive", call)
        if error is None:
            assert user.pk == accountable and reason

    @rule(actor=managers_first)
    def request_gate(self, actor):
        _result, error = self.attempt(
            "request", lambda project: services.gate_review_request(actor=self.people[actor], project=project)
        )
        if error is None:
            assert actor == "pm"

    @precondition(lambda self: self.has_review())
    @rule(
        actor=gate_actors,
        vote=st.sampled_from([*GateDecision.values, "maybe"]),
        criterion=st.sampled_from(["business_value", "objective_clarity", "data_relevance", "charisma"]),
        score=st.one_of(st.none(), st.integers(-1, 7)),
    )
    def vote(self, actor, vote, criterion, score):
        review = self.review()
        accountable, consulted = gate_people(self.project, review.phase)
        user = self.person(actor, review.phase)
        scores = {} if score is None else {criterion: score}
        _result, error = self.attempt(
            "vote", lambda project: services.gate_vote(actor=user, review=review, vote=vote, scores=scores)
        )
        if error is None:
            assert review.is_open and user.pk in {accountable, *consulted}

    @precondition(lambda self: self.has_review())
    @rule(
        actor=gate_actors,
        decision=st.sampled_from([*GateDecision.values, "bogus"]),
        outcome=st.sampled_from(["", *NoGoOutcome.values, "pause"]),
        rationale=st.sampled_from(["", "Evidence reviewed"]),
        actions=st.lists(
            st.tuples(
                st.sampled_from(["Fix the metrics", "  "]),
                actors,
                st.sampled_from([None, datetime.date(2020, 1, 1), datetime.date(2030, 1, 1)]),
            ),
            max_size=2,
        ),
    )
    def decide_anything(self, actor, decision, outcome, rationale, actions):
        inputs = [ActionInput(text, self.people[owner].pk, due) for text, owner, due in actions]
        self.decide(actor, decision, outcome, rationale, inputs)

    @precondition(lambda self: self.has_review())
    @rule(
        actor=gate_actors,
        decision=st.sampled_from([GateDecision.GO, GateDecision.GO, *GateDecision.values]),
        outcome=st.sampled_from(NoGoOutcome.values),
        owner=st.sampled_from(["pm", "ds", "architect"]),
        overdue=st.booleans(),
    )
    def decide_consistently(self, actor, decision, outcome, owner, overdue):
        """Inputs that satisfy the decision's own rules: what matters then is who decides, and when."""
        due = datetime.date(2020, 1, 1) if overdue else datetime.date(2030, 1, 1)
        needs_items = decision in (GateDecision.CONDITIONAL_GO, GateDecision.RECYCLE)
        inputs = [ActionInput("Close the gap", self.people[owner].pk, due)] if needs_items else []
        outcome = outcome if decision == GateDecision.NO_GO else ""
        self.decide(actor, decision, outcome, "Evidence reviewed", inputs)

    def decide(self, actor, decision, outcome, rationale, inputs):
        review = self.review()
        was_open = review.is_open
        accountable, _consulted = gate_people(self.project, review.phase)
        user = self.person(actor, review.phase)
        result, error = self.attempt(
            "decide",
            lambda project: services.gate_decide(
                actor=user, review=review, decision=decision, rationale=rationale, no_go_outcome=outcome, actions=inputs
            ),
        )
        if error is None:
            assert was_open and user.pk == accountable and result.pk == review.pk
            assert review.pk not in self.decided
            self.decided[review.pk] = decided_reviews(self.project)[review.pk]

    @rule(
        actor=managers_first,
        offset=st.sampled_from([0, 0, 0, -1, 1]),
        field=st.sampled_from(["objective", "model_users"]),
    )
    def edit_charter(self, actor, offset, field):
        self.text_counter += 1
        version = Charter.objects.get(project=self.project).version + offset
        text = f"Edit number {self.text_counter}"
        _result, error = self.attempt(
            "charter",
            lambda project: services.charter_update(
                actor=self.people[actor], project=project, base_version=version, changes={field: text}
            ),
        )
        if actor == "pm" and offset == 0:
            assert error is None
        elif actor == "pm":
            assert isinstance(error, StaleEdit)
        else:
            assert error is not None

    @rule(
        actor=managers_first,
        gate_only=st.booleans(),
        pick=st.integers(0, 40),
        who=actors,
        role=st.sampled_from([*RaciRole.values, None]),
    )
    def change_raci(self, actor, gate_only, pick, who, role):
        activities = self.project.activities.filter(is_gate=True) if gate_only else self.project.activities.all()
        ids = list(activities.order_by("id").values_list("id", flat=True))
        activity_id = ids[pick % len(ids)]
        _result, error = self.attempt(
            "raci",
            lambda project: services.raci_update(
                actor=self.people[actor], project=project, assignments={activity_id: {self.people[who].pk: role}}
            ),
        )
        if error is None:
            assert actor == "pm"

    @rule(actor=st.sampled_from(["exec", *ACTORS]), reason=st.sampled_from(["", "Budget restored"]))
    def resume(self, actor, reason):
        _result, error = self.attempt(
            "resume", lambda project: services.project_resume(actor=self.people[actor], project=project, reason=reason)
        )
        if error is None:
            assert actor == "exec" and reason

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def at_most_one_open_review(self):
        assert GateReview.objects.filter(project=self.project, status=GateReviewStatus.OPEN).count() <= 1

    @invariant()
    def decided_reviews_have_one_decision_that_never_changes(self):
        # Every decided review was decided by a successful decide step, and is unchanged since.
        assert decided_reviews(self.project) == self.decided
        reviews = GateReview.objects.filter(project=self.project).values_list(
            "status", "decision", "decided_by_id", "decided_at", "evidence"
        )
        for status, decision, decided_by, decided_at, evidence in reviews:
            if status == GateReviewStatus.DECIDED:
                assert decision in GateDecision.values and decided_by is not None and decided_at is not None
            else:
                assert (decision, decided_by, decided_at, evidence) == ("", None, None, {})

    @invariant()
    def charter_version_counts_its_snapshots(self):
        charter = Charter.objects.get(project=self.project)
        numbers = list(
            CharterVersion.objects.filter(charter=charter).order_by("number").values_list("number", flat=True)
        )
        assert numbers == list(range(1, charter.version + 1))

    @invariant()
    def raci_has_one_accountable_and_a_responsible_everywhere(self):
        names = dict(self.project.activities.values_list("id", "name"))
        assert raci_problems(names, raci_grid(self.project)) == {}

    @invariant()
    def the_timeline_matches_the_project(self):
        project = self.fresh()
        last = PhaseTransition.objects.filter(project=project).order_by("-at", "-id").first()
        assert (last.to_phase, last.to_state) == (project.phase, project.state)
        closed = project.state in (ProjectState.CLOSED, ProjectState.CANCELLED)
        assert (project.actual_end_date is not None) == closed


def test_random_governance_sequences_keep_the_invariants(portfolio, people):
    run_state_machine_as_test(
        lambda: GovernanceMachine(people, portfolio),
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
