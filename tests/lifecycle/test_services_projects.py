"""project_create, project_update, project_resume: every rule, allowed and refused."""

import datetime

import pytest
from django.utils import timezone

from lifecycle import services
from lifecycle.catalog import PHASES
from lifecycle.choices import RAG, Phase, ProjectState, RaciRole, RiskTier
from lifecycle.models import Activity, AuditRecord, CharterVersion, PhaseTransition, Project, RaciAssignment
from lifecycle.services.charter import charter_snapshot
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portfolio.choices import Role
from tests.factories import BusinessUnitFactory, StrategicGoalFactory, UserFactory, member
from tests.lifecycle.service_helpers import gate_activity, put_on_hold, refused

JAN_5 = datetime.date(2026, 1, 5)


def create(actor, portfolio, people, **overrides):
    fields = {
        "code": "AML-100",
        "name": "Demand forecast",
        "portfolio": portfolio,
        "owner": people["pm"],
        "sponsor": people["exec"],
        "ideation_date": JAN_5,
    }
    fields.update(overrides)
    return services.project_create(actor=actor, **fields)


class TestProjectCreate:
    def test_pm_creates_a_project_in_the_charter_phase(self, portfolio, people):
        unit, goal = BusinessUnitFactory(name="Retail"), StrategicGoalFactory(name="Grow revenue")
        project = create(
            people["pm"],
            portfolio,
            people,
            code="  aml-100 ",
            name="  Demand forecast ",
            business_unit=unit,
            strategic_goal=goal,
            risk_tier=RiskTier.HIGH,
            start_date=datetime.date(2026, 2, 1),
            target_end_date=datetime.date(2026, 12, 31),
        )
        project = Project.objects.get(pk=project.pk)
        assert (project.code, project.name) == ("AML-100", "Demand forecast")
        assert (project.portfolio, project.business_unit, project.strategic_goal) == (portfolio, unit, goal)
        assert (project.owner, project.sponsor) == (people["pm"], people["exec"])
        assert project.risk_tier == RiskTier.HIGH
        # Nothing stands behind a RAG yet: "not assessed" until the metrics computer finds inputs, never green.
        assert (project.phase, project.state, project.overall_rag) == (
            Phase.CHARTER,
            ProjectState.ACTIVE,
            RAG.NOT_ASSESSED,
        )
        assert project.ideation_date == JAN_5
        assert project.start_date == datetime.date(2026, 2, 1)
        assert project.target_end_date == datetime.date(2026, 12, 31)
        assert project.actual_end_date is None

    def test_creation_seeds_charter_version_one(self, portfolio, people):
        project = create(people["pm"], portfolio, people)
        assert project.charter.version == 1
        version = CharterVersion.objects.get(charter=project.charter)
        assert (version.number, version.created_by, version.note) == (1, people["pm"], "Created with the project")
        assert version.content == charter_snapshot(project.charter)
        assert version.content["objective"] == ""
        assert version.content["success_metrics"] == []

    def test_creation_copies_the_standard_checklist_with_a_valid_raci(self, portfolio, people):
        project = create(people["pm"], portfolio, people)
        for phase in Phase.ordered():
            definition = PHASES[phase]
            names = list(project.activities.filter(phase=phase).order_by("position").values_list("name", flat=True))
            assert names == [*definition.activities, definition.gate_activity_name]
            assert gate_activity(project, phase).name == definition.gate_activity_name
        assert project.activities.filter(is_gate=True).count() == 5
        positions = list(project.activities.order_by("position").values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))
        for activity in project.activities.all():
            cells = set(activity.assignments.values_list("user__username", "role"))
            assert cells == {("pm", RaciRole.RESPONSIBLE), ("exec", RaciRole.ACCOUNTABLE)}

    def test_creation_records_the_first_transition_and_one_audit_record(self, portfolio, people):
        project = create(people["pm"], portfolio, people)
        transition = PhaseTransition.objects.get(project=project)
        assert (transition.from_phase, transition.to_phase) == ("", Phase.CHARTER)
        assert (transition.from_state, transition.to_state) == ("", ProjectState.ACTIVE)
        assert transition.actor == people["pm"]
        assert transition.gate_review is None
        record = AuditRecord.objects.get(project=project)
        assert (record.action, record.actor, record.before, record.reason) == ("project.create", people["pm"], None, "")
        assert (record.target_type, record.target_id) == ("lifecycle.project", str(project.pk))
        assert record.after == {
            "code": "AML-100",
            "name": "Demand forecast",
            "portfolio": portfolio.pk,
            "business_unit": None,
            "strategic_goal": None,
            "owner": people["pm"].pk,
            "sponsor": people["exec"].pk,
            "risk_tier": "medium",
            "ideation_date": "2026-01-05",
            "start_date": None,
            "target_end_date": None,
            "actual_end_date": None,
            "phase": "charter",
            "state": "active",
            "overall_rag": "not_assessed",
        }

    def test_program_manager_and_superuser_may_create(self, portfolio, people):
        program_manager = member(portfolio, Role.PROGRAM_MANAGER, "prog")
        superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
        assert create(program_manager, portfolio, people, code="AML-101").owner == people["pm"]
        assert create(superuser, portfolio, people, code="AML-102").owner == people["pm"]

    @pytest.mark.parametrize("who", ["exec", "ds", "architect", "product", "outsider"])
    def test_non_managers_are_refused(self, portfolio, people, who):
        with refused(NotAllowed):
            create(people[who], portfolio, people)

    def test_manager_of_another_portfolio_is_refused(self, portfolio, people):
        with refused(NotAllowed):
            create(people["outsider"], portfolio, people)

    @pytest.mark.parametrize(
        ("owner", "sponsor", "field"),
        [("ds", "exec", "owner"), ("outsider", "exec", "owner"), ("pm", "pm", "sponsor"), ("pm", "ds", "sponsor")],
    )
    def test_owner_must_be_a_manager_and_sponsor_an_executive(self, portfolio, people, owner, sponsor, field):
        with refused(ValidationFailed) as caught:
            create(people["pm"], portfolio, people, owner=people[owner], sponsor=people[sponsor])
        assert set(caught.value.details) == {field}

    def test_owner_cannot_also_be_the_sponsor(self, portfolio, people):
        # Otherwise the seeded RACI would give that person A and no one R.
        member(portfolio, Role.EXECUTIVE_LEADER, "pm")
        with refused(ValidationFailed) as caught:
            create(people["pm"], portfolio, people, sponsor=people["pm"])
        assert caught.value.details == {"sponsor": "The sponsor must be someone other than the owner."}

    @pytest.mark.parametrize(
        ("dates", "field"),
        [
            ({"start_date": datetime.date(2026, 1, 4)}, "start_date"),
            ({"target_end_date": datetime.date(2026, 1, 4)}, "target_end_date"),
            (
                {"start_date": datetime.date(2026, 3, 1), "target_end_date": datetime.date(2026, 2, 28)},
                "target_end_date",
            ),
        ],
    )
    def test_dates_out_of_order_are_refused(self, portfolio, people, dates, field):
        with refused(ValidationFailed) as caught:
            create(people["pm"], portfolio, people, **dates)
        assert set(caught.value.details) == {field}

    def test_same_day_dates_are_in_order(self, portfolio, people):
        project = create(people["pm"], portfolio, people, start_date=JAN_5, target_end_date=JAN_5)
        assert (project.start_date, project.target_end_date) == (JAN_5, JAN_5)

    def test_duplicate_code_is_refused_whatever_its_case(self, portfolio, people, project):
        with refused(ValidationFailed) as caught:
            create(people["pm"], portfolio, people, code=" aml-001")
        assert caught.value.details == {"code": "Already taken."}

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"code": "   "}, "code"),
            ({"name": " "}, "name"),
            ({"code": "X" * 33}, "code"),
            ({"name": "n" * 201}, "name"),
            ({"risk_tier": "extreme"}, "risk_tier"),
        ],
    )
    def test_invalid_values_are_refused(self, portfolio, people, fields, field):
        with refused(ValidationFailed) as caught:
            create(people["pm"], portfolio, people, **fields)
        assert set(caught.value.details) == {field}


class TestProjectUpdate:
    def test_pm_edits_fields_and_the_audit_holds_only_what_changed(self, project, people):
        services.project_update(
            actor=people["pm"],
            project=project,
            changes={"name": "Churn model", "risk_tier": RiskTier.HIGH},
            reason="Scope grew",
        )
        project.refresh_from_db()
        assert (project.name, project.risk_tier) == ("Churn model", "high")
        record = AuditRecord.objects.filter(project=project).latest("id")
        assert (record.action, record.actor, record.reason) == ("project.update", people["pm"], "Scope grew")
        assert record.before == {"name": "Churn prediction", "risk_tier": "medium"}
        assert record.after == {"name": "Churn model", "risk_tier": "high"}

    def test_owner_and_sponsor_can_be_replaced_by_eligible_people(self, portfolio, project, people):
        other_pm = member(portfolio, Role.PROGRAM_MANAGER, "pm2")
        services.project_update(actor=people["pm"], project=project, changes={"owner": other_pm})
        project.refresh_from_db()
        assert project.owner == other_pm
        record = AuditRecord.objects.filter(project=project).latest("id")
        assert (record.before, record.after) == ({"owner": people["pm"].pk}, {"owner": other_pm.pk})

    def test_saving_the_same_values_writes_no_audit(self, project, people):
        before = AuditRecord.objects.count()
        services.project_update(actor=people["pm"], project=project, changes={"name": "Churn prediction"})
        assert AuditRecord.objects.count() == before

    @pytest.mark.parametrize(
        "changes",
        [
            {"phase": Phase.MODELING},
            {"state": ProjectState.CLOSED},
            {"code": "NEW-1"},
            {"portfolio": None},
            {"actual_end_date": datetime.date(2026, 5, 1)},
            {"name": "ok", "phase": Phase.CLOSURE},
            # Computed by the metrics engine; a manager overrides it with a reason and an expiry, never edits it.
            {"overall_rag": RAG.RED},
        ],
    )
    def test_non_editable_fields_are_refused(self, project, people, changes):
        with refused(ValidationFailed) as caught:
            services.project_update(actor=people["pm"], project=project, changes=changes)
        assert set(caught.value.details) == set(changes) - {"name"}

    @pytest.mark.parametrize("who", ["exec", "ds", "architect", "product", "outsider"])
    def test_non_managers_are_refused(self, project, people, who):
        with refused(NotAllowed):
            services.project_update(actor=people[who], project=project, changes={"name": "Hijacked"})

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"owner": "ds"}, "owner"),
            ({"sponsor": "pm"}, "sponsor"),
            ({"sponsor": "outsider"}, "sponsor"),
            ({"start_date": datetime.date(2025, 12, 31)}, "start_date"),
            (
                {"ideation_date": datetime.date(2026, 6, 1), "target_end_date": datetime.date(2026, 5, 1)},
                "target_end_date",
            ),
            ({"name": "  "}, "name"),
            ({"risk_tier": "extreme"}, "risk_tier"),
        ],
    )
    def test_invalid_changes_are_refused(self, project, people, changes, field):
        changes = {key: people[value] if key in ("owner", "sponsor") else value for key, value in changes.items()}
        with refused(ValidationFailed) as caught:
            services.project_update(actor=people["pm"], project=project, changes=changes)
        assert set(caught.value.details) == {field}


class TestProjectResume:
    @pytest.fixture
    def on_hold(self, project, people):
        put_on_hold(project, people["pm"], people["exec"])
        project.refresh_from_db()
        assert project.state == ProjectState.ON_HOLD
        return project

    def test_executive_resumes_a_project_on_hold(self, on_hold, people):
        before = timezone.now()
        services.project_resume(actor=people["exec"], project=on_hold, reason="Budget restored")
        on_hold.refresh_from_db()
        assert (on_hold.phase, on_hold.state) == (Phase.CHARTER, ProjectState.ACTIVE)
        transition = PhaseTransition.objects.filter(project=on_hold).latest("id")
        assert (transition.from_phase, transition.to_phase) == (Phase.CHARTER, Phase.CHARTER)
        assert (transition.from_state, transition.to_state) == (ProjectState.ON_HOLD, ProjectState.ACTIVE)
        assert (transition.actor, transition.reason, transition.gate_review) == (
            people["exec"],
            "Budget restored",
            None,
        )
        assert transition.at >= before
        record = AuditRecord.objects.filter(project=on_hold).latest("id")
        assert (record.action, record.actor, record.reason) == ("project.resume", people["exec"], "Budget restored")
        assert (record.before, record.after) == ({"state": "on_hold"}, {"state": "active"})

    def test_superuser_may_resume(self, on_hold):
        superuser = UserFactory(username="root", is_superuser=True)
        services.project_resume(actor=superuser, project=on_hold, reason="Board decision")
        assert Project.objects.get(pk=on_hold.pk).state == ProjectState.ACTIVE

    @pytest.mark.parametrize("who", ["pm", "ds", "architect", "product", "outsider"])
    def test_non_executives_are_refused(self, on_hold, people, who):
        with refused(NotAllowed):
            services.project_resume(actor=people[who], project=on_hold, reason="Please")

    def test_executive_of_another_portfolio_is_refused(self, on_hold):
        from tests.factories import PortfolioFactory

        stranger = member(PortfolioFactory(name="Other", slug="other"), Role.EXECUTIVE_LEADER, "stranger")
        with refused(NotAllowed):
            services.project_resume(actor=stranger, project=on_hold, reason="Please")

    def test_a_reason_is_required(self, on_hold, people):
        with refused(ValidationFailed) as caught:
            services.project_resume(actor=people["exec"], project=on_hold, reason="   ")
        assert caught.value.details == {"reason": "Required."}

    def test_an_active_project_cannot_be_resumed(self, project, people):
        with refused(TransitionNotAllowed):
            services.project_resume(actor=people["exec"], project=project, reason="Why not")

    def test_a_cancelled_project_cannot_be_resumed(self, project, people):
        from lifecycle.choices import GateDecision, NoGoOutcome
        from tests.lifecycle.service_helpers import open_review

        review = open_review(project, people["pm"])
        services.gate_decide(
            actor=people["exec"],
            review=review,
            decision=GateDecision.NO_GO,
            no_go_outcome=NoGoOutcome.CANCEL,
            rationale="No data",
        )
        with refused(TransitionNotAllowed):
            services.project_resume(actor=people["exec"], project=project, reason="Changed my mind")


def test_project_activities_and_raci_rows_match_the_catalog_size(project):
    expected = sum(len(definition.activities) + 1 for definition in PHASES.values())
    assert Activity.objects.filter(project=project).count() == expected
    assert RaciAssignment.objects.filter(activity__project=project).count() == 2 * expected
