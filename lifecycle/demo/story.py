"""Walk one demo project through its life with the real services, so all of it is audited.

The people act as they would in the portal: the owner (a PM) writes the charter, fills the RACI,
and requests gates; specialists upload the evidence; reviewers vote; the sponsor decides.
"""

import datetime
import random
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lifecycle import services
from lifecycle.catalog import phase_definition
from lifecycle.choices import GateDecision, NoGoOutcome, Phase, ProjectState, RaciRole
from lifecycle.demo import content
from lifecycle.demo.clock import DemoClock
from lifecycle.demo.organization import Organization
from lifecycle.demo.projects import ProjectSpec
from lifecycle.models import Charter, GateAction, GateReview, Project
from lifecycle.services.gates import ActionInput
from portfolio.choices import Role

COMMENTS = {
    GateDecision.GO: ("The evidence is complete and convincing.", "Happy to proceed.", "Criteria met; good data work."),
    GateDecision.CONDITIONAL_GO: ("Proceed, but close the open points first.", "Go once monitoring is written down."),
    GateDecision.RECYCLE: ("Not yet: rework the analysis and come back.", "The evidence on data quality is thin."),
    GateDecision.NO_GO: ("The value case no longer holds.", "The data does not support the goal; stop here."),
}
# A reviewer who disagrees leans one step more cautious (or less, for a no-go).
DISSENT = {
    GateDecision.GO: GateDecision.CONDITIONAL_GO,
    GateDecision.CONDITIONAL_GO: GateDecision.RECYCLE,
    GateDecision.RECYCLE: GateDecision.CONDITIONAL_GO,
    GateDecision.NO_GO: GateDecision.RECYCLE,
}
SCORES = {
    GateDecision.GO: (4, 5),
    GateDecision.CONDITIONAL_GO: (3, 4),
    GateDecision.RECYCLE: (2, 3),
    GateDecision.NO_GO: (1, 2),
}
RATIONALES = {
    "G": "Go: the evidence meets the gate criteria.",
    "C": "Go, on the conditions below.",
    "R": "Recycle: rework the items below and request the gate again.",
    "H": "On hold: the data owner cannot deliver the history we need before next quarter.",
    "X": "Cancelled: after the latest estimates the expected benefit no longer covers the cost.",
}
LETTER_DECISIONS = {
    "G": (GateDecision.GO, ""),
    "C": (GateDecision.CONDITIONAL_GO, ""),
    "R": (GateDecision.RECYCLE, ""),
    "H": (GateDecision.NO_GO, NoGoOutcome.HOLD),
    "X": (GateDecision.NO_GO, NoGoOutcome.CANCEL),
}
UPLOADED_BY_OWNER = {"project-charter", "closure-report"}
UPLOADED_BY_ARCHITECT = {"data-pipeline-architecture", "solution-architecture"}


class ProjectStory:
    def __init__(self, spec: ProjectSpec, org: Organization, rng: random.Random, today: datetime.date) -> None:
        self.spec = spec
        self.rng = rng
        self.today = today
        self.owner = org.users[spec.owner]
        self.sponsor = org.users[spec.sponsor]
        slug = spec.portfolio
        self.portfolio = org.portfolios[slug]
        self.business_unit = org.business_units[spec.business_unit]
        self.goal = org.goals[spec.goal]
        self.scientists = org.team(slug, Role.DATA_SCIENTIST)
        self.architect = org.team(slug, Role.SOLUTION_ARCHITECT)[0]
        self.tech_lead = org.team(slug, Role.TECH_LEAD)[0]
        self.product = org.team(slug, Role.PRODUCT_MANAGER)[0]
        builders = org.team(slug, Role.ENGINEER) + org.team(slug, Role.INFRASTRUCTURE_ENGINEER)
        self.engineer = builders[0] if builders else self.tech_lead
        self.informed = (org.team(slug, Role.ANALYST) + builders + [self.product])[0]
        self.start: datetime.date | None = None
        self.revisions: dict[tuple[str, str], int] = {}
        self.milestones_reached = 0
        self.clock: DemoClock | None = None

    # -- the whole story -------------------------------------------------------------------------

    def run(self) -> Project:
        """The story, told on a simulated clock from the ideation date to today (see demo/clock.py)."""
        ideation, self.start = self._dates()
        self.clock = DemoClock(timezone.make_aware(datetime.datetime.combine(ideation, datetime.time(9))))
        with self.clock.installed():
            return self._run(ideation)

    def _dates(self) -> tuple[datetime.date, datetime.date | None]:
        gates_passed = sum(letter in "GC" for letter in self.spec.plan)
        ideation = self.today - datetime.timedelta(days=45 + 110 * gates_passed + self.rng.randint(0, 40))
        start = ideation + datetime.timedelta(days=self.rng.randint(14, 45)) if self.spec.plan else None
        return ideation, start

    def _event_days(self, ideation: datetime.date) -> list[datetime.date]:
        """When each gate event of the plan happens: spread evenly from the start to a few days ago."""
        plan = self.spec.plan
        first = (self.start or ideation) + datetime.timedelta(days=30)
        last = self.today - datetime.timedelta(days=12)
        step = max(1, (last - first).days // max(1, len(plan)))
        return [first + datetime.timedelta(days=step * (position + 1) - step // 3) for position in range(len(plan))]

    def _run(self, ideation: datetime.date) -> Project:
        assert self.clock is not None
        project = self._create(ideation)
        self._raci(project)
        self._charter(project)
        plan = self.spec.plan
        for position, (letter, day) in enumerate(zip(plan, self._event_days(ideation), strict=True)):
            self.clock.set_date(day)
            project.refresh_from_db()
            if letter == "U":
                services.project_resume(actor=self.sponsor, project=project, reason="Data history delivered; resume.")
            elif letter == "O":
                self._open_review(project)
            else:
                self._decided_review(project, letter, more_to_come=position + 1 < len(plan))
        project.refresh_from_db()
        self.clock.set_date(self.today - datetime.timedelta(days=4))
        self._work_in_progress(project)
        return project

    def _create(self, ideation: datetime.date) -> Project:
        return services.project_create(
            actor=self.owner,
            code=self.spec.code,
            name=self.spec.name,
            portfolio=self.portfolio,
            owner=self.owner,
            sponsor=self.sponsor,
            ideation_date=ideation,
            business_unit=self.business_unit,
            strategic_goal=self.goal,
            risk_tier=self.spec.risk,
            start_date=self.start,
            target_end_date=(self.start or ideation) + datetime.timedelta(days=420 + self.rng.randint(0, 120)),
        )

    # -- RACI and charter -------------------------------------------------------------------------

    def _reviewers(self, phase: str) -> list[AbstractBaseUser]:
        """The gate's Consulted people: the demo data scientist always, so `ds` has reviews to vote on."""
        extra = {Phase.CHARTER: self.product, Phase.DEPLOYMENT: self.engineer, Phase.CLOSURE: self.product}
        people = [*self.scientists, self.architect, self.tech_lead, extra.get(Phase(phase), self.architect)]
        unique = {person.pk: person for person in people if person.pk not in (self.owner.pk, self.sponsor.pk)}
        return list(unique.values())

    def _responsible(self, phase: str) -> AbstractBaseUser:
        return {
            Phase.CHARTER: self.product,
            Phase.EXPLORATION: self.scientists[0],
            Phase.MODELING: self.scientists[-1],
            Phase.DEPLOYMENT: self.engineer,
            Phase.CLOSURE: self.tech_lead,
        }[Phase(phase)]

    def _raci(self, project: Project) -> None:
        """Work lines: the owner Accountable and a specialist Responsible; gates: the sponsor decides."""
        grid: dict[int, dict[int, str | None]] = {}
        for activity in project.activities.all():
            if activity.is_gate:
                cells: dict[int, str | None] = {
                    self.owner.pk: RaciRole.RESPONSIBLE,
                    self.sponsor.pk: RaciRole.ACCOUNTABLE,
                }
                cells.update({person.pk: RaciRole.CONSULTED for person in self._reviewers(activity.phase)})
                cells.setdefault(self.informed.pk, RaciRole.INFORMED)
            else:
                cells = {
                    self.owner.pk: RaciRole.ACCOUNTABLE,
                    self.sponsor.pk: RaciRole.INFORMED,
                    self._responsible(activity.phase).pk: RaciRole.RESPONSIBLE,
                }
            grid[activity.pk] = cells
        services.raci_update(actor=self.owner, project=project, assignments=grid, reason="Team agreed at kick-off")

    def _charter_save(self, project: Project, changes: dict[str, Any], note: str) -> None:
        if self.clock is not None:
            self.clock.advance(days=self.rng.randint(2, 6), hours=self.rng.randint(0, 6))
        version = Charter.objects.values_list("version", flat=True).get(project=project)
        services.charter_update(actor=self.owner, project=project, base_version=version, changes=changes, note=note)

    def _charter(self, project: Project) -> None:
        start = self.start or project.ideation_date
        self._charter_save(project, content.charter_first_draft(self.spec), "First draft: objective and users")
        self._charter_save(
            project,
            content.charter_metrics_and_data(self.spec, start),
            "Success metrics, data sources and data dictionary",
        )
        self._charter_save(
            project, content.charter_plan_and_value(start, self.rng), "Milestones and value case agreed with finance"
        )

    def _milestone_reached(self, project: Project) -> None:
        self.milestones_reached += 1
        rows = content.milestone_rows(self.start or project.ideation_date, self.milestones_reached)
        name = rows[self.milestones_reached - 1]["name"]
        self._charter_save(project, {"milestones": rows}, f"Milestone reached: {name}")

    # -- evidence and checklist -------------------------------------------------------------------

    def _uploader(self, slug: str) -> AbstractBaseUser:
        if slug in UPLOADED_BY_OWNER:
            return self.owner
        if slug in UPLOADED_BY_ARCHITECT:
            return self.architect
        return self.scientists[0]

    def _add_artifact(self, project: Project, artifact_type: Any, note: str = "") -> None:
        slug = artifact_type.slug
        link = content.artifact_link(self.spec, slug)
        actor = self._uploader(slug)
        if link:
            services.artifact_add_version(
                actor=actor, project=project, artifact_type=artifact_type, url=link, note=note
            )
            return
        key = (project.phase, slug)
        self.revisions[key] = self.revisions.get(key, 0) + 1
        name, data = content.artifact_file(self.spec, slug, self.revisions[key], self.rng)
        upload = SimpleUploadedFile(name, data)
        services.artifact_add_version(
            actor=actor, project=project, artifact_type=artifact_type, upload=upload, note=note
        )

    def _provide_evidence(self, project: Project, limit: int | None = None) -> None:
        missing = services.artifacts_missing_for_gate(project)
        for artifact_type in missing[:limit]:
            if project.phase == Phase.CHARTER and artifact_type.slug == "ssot" and self.rng.random() < 0.3:
                services.artifact_waive(
                    actor=self.sponsor,
                    project=project,
                    artifact_type=artifact_type,
                    reason="The data sources list names the system of record; no separate "
                    "document needed at this size.",
                )
            else:
                self._add_artifact(project, artifact_type)

    def _tick_activities(self, project: Project, share: float = 1.0) -> None:
        work = list(project.activities.filter(phase=project.phase, is_gate=False, done=False))
        for activity in work[: round(len(work) * share)]:
            services.activity_set_done(actor=self.owner, activity=activity, done=True)

    # -- gates --------------------------------------------------------------------------------------

    def _request(self, project: Project) -> GateReview:
        self._provide_evidence(project)
        self._tick_activities(project)
        return services.gate_review_request(
            actor=self.owner,
            project=project,
            note=f"Evidence for the {project.get_phase_display().lower()} gate is in.",
        )

    def _vote(self, review: GateReview, voter: AbstractBaseUser, leaning: str) -> None:
        if self.clock is not None:
            self.clock.advance(hours=self.rng.randint(3, 30))
        vote = DISSENT[leaning] if self.rng.random() < 0.2 else leaning
        low, high = SCORES[GateDecision(vote)]
        scores = {criterion.key: self.rng.randint(low, high) for criterion in phase_definition(review.phase).criteria}
        services.gate_vote(
            actor=voter, review=review, vote=vote, comment=self.rng.choice(COMMENTS[vote]), scores=scores
        )

    def _open_review(self, project: Project) -> None:
        """Requested and partly voted: the demo `ds` and `exec` still have their say."""
        review = self._request(project)
        others = [person for person in self._reviewers(review.phase) if person.username != "ds"]
        for voter in others[: max(1, len(others) - 1)]:
            self._vote(review, voter, GateDecision.GO)

    def _actions(self, letter: str, phase: str) -> list[ActionInput]:
        if letter == "C":
            overdue = self.today - datetime.timedelta(days=self.rng.randint(3, 20))
            soon = self.today + datetime.timedelta(days=self.rng.randint(10, 45))
            return [
                ActionInput("Write down the monitoring thresholds and who is paged.", self.architect.pk, soon),
                ActionInput(
                    "Confirm the data owner's sign-off on retention.",
                    self.scientists[0].pk,
                    overdue if self.rng.random() < 0.6 else soon,
                ),
            ]
        if letter == "R":
            due = self.today + datetime.timedelta(days=self.rng.randint(14, 40))
            item = {Phase.CHARTER: "Make the success metrics measurable with a baseline from real data."}
            return [
                ActionInput(
                    item.get(Phase(phase), "Redo the analysis on the full history, not a sample."),
                    self.scientists[0].pk,
                    due,
                )
            ]
        return []

    def _decided_review(self, project: Project, letter: str, more_to_come: bool) -> None:
        decision, outcome = LETTER_DECISIONS[letter]
        review = self._request(project)
        for voter in [*self._reviewers(review.phase), self.sponsor]:
            self._vote(review, voter, decision)
        if self.clock is not None:
            self.clock.advance(days=1, hours=self.rng.randint(0, 8))
        review = services.gate_decide(
            actor=self.sponsor,
            review=review,
            decision=decision,
            rationale=RATIONALES[letter],
            no_go_outcome=outcome,
            actions=self._actions(letter, review.phase),
        )
        project.refresh_from_db()
        if decision in (GateDecision.GO, GateDecision.CONDITIONAL_GO):
            gate = project.activities.get(phase=review.phase, is_gate=True)
            services.activity_set_done(actor=self.owner, activity=gate, done=True)
            self._milestone_reached(project)
            first_condition = review.actions.order_by("id").first()
            if first_condition is not None:
                services.gate_action_complete(actor=first_condition.owner, action=first_condition)
        elif decision == GateDecision.RECYCLE and more_to_come:
            self._rework(project, review)

    def _rework(self, project: Project, review: GateReview) -> None:
        if self.clock is not None:
            self.clock.advance(days=self.rng.randint(7, 20))
        for action in GateAction.objects.filter(review=review).select_related("owner"):
            services.gate_action_complete(actor=action.owner, action=action)
        if project.phase == Phase.CHARTER:
            start = self.start or project.ideation_date
            changes = content.charter_metrics_and_data(self.spec, start)
            changes["success_metrics"][0]["definition"] += " (baseline measured on the last 12 months)"
            self._charter_save(
                project, {"success_metrics": changes["success_metrics"]}, "Targets revised after the charter review"
            )
        for artifact in project.artifacts.filter(phase=project.phase).select_related("artifact_type"):
            if content.artifact_link(self.spec, artifact.artifact_type.slug) is None:
                self._add_artifact(project, artifact.artifact_type, note="Reworked after the recycle decision")
                break

    def _work_in_progress(self, project: Project) -> None:
        """Where an active project stands today: some of its phase's work done, drafts half-evidenced."""
        if project.state != ProjectState.ACTIVE or project.gate_reviews.filter(status="open").exists():
            return
        if not self.spec.plan:
            self._provide_evidence(project, limit=2)
        self._tick_activities(project, share=self.rng.choice((0.25, 0.5, 0.75)))
