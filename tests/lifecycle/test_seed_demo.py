"""`manage.py seed_demo`: realistic, complete, audited, idempotent, and never in production."""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from lifecycle import services
from lifecycle.choices import ArtifactKind, GateActionKind, GateDecision, NoGoOutcome, Phase, ProjectState, RaciRole
from lifecycle.demo.projects import PROJECTS
from lifecycle.models import (
    ArtifactVersion,
    AuditRecord,
    CharterVersion,
    GateReview,
    Project,
    RaciAssignment,
)
from lifecycle.services.memberships import membership_grant
from lifecycle.services.raci import raci_grid, raci_problems
from lifecycle.services.reference import reference_save
from portfolio.choices import Role
from portfolio.models import Membership, Portfolio

pytestmark = pytest.mark.django_db

PORTFOLIO_NAMES = {"Applied Machine Learning", "Demand Intelligence", "AI Platform", "AI Research"}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _assert_metrics_demo() -> None:
    """What the dashboards need: history over past months, several teams' sprints, usage, computed snapshots."""
    from django.utils import timezone

    from lifecycle.models import PhaseTransition
    from metrics.portfolio_inputs.models import StatusReport
    from metrics.product.models import ProductEvent
    from metrics.scrum.models import Sprint, Team, WorkItem
    from metrics.snapshots.models import MetricSnapshot

    assert PhaseTransition.objects.order_by("at").first().at < timezone.now() - datetime.timedelta(days=180)
    teams = Team.objects.all()
    assert teams.count() >= 3
    for team in teams:
        assert Sprint.objects.filter(team=team, state="closed").count() >= 8, team.name
    assert WorkItem.objects.filter(item_type="defect", found_in_item__isnull=False).exists()
    assert ProductEvent.objects.values("product").distinct().count() >= 3
    assert StatusReport.objects.values("project").distinct().count() >= 20
    assert set(MetricSnapshot.objects.values_list("scope_type", flat=True)) >= {
        "project",
        "portfolio",
        "person",
        "team",
        "product",
    }


def test_seed_demo_builds_the_whole_demo_and_a_second_run_adds_nothing():
    output = seed()

    projects = Project.objects.all()
    assert projects.count() == len(PROJECTS) >= 24
    assert set(Portfolio.objects.values_list("name", flat=True)) == PORTFOLIO_NAMES
    assert set(projects.values_list("phase", flat=True)) == set(Phase.values)
    assert set(projects.values_list("state", flat=True)) == set(ProjectState.values)
    assert projects.filter(state=ProjectState.CLOSED).exclude(phase=Phase.CLOSURE).count() == 0

    decided = GateReview.objects.exclude(decision="")
    assert decided.filter(decision=GateDecision.RECYCLE).exists()
    assert decided.filter(decision=GateDecision.NO_GO, no_go_outcome=NoGoOutcome.HOLD).exists()
    assert decided.filter(decision=GateDecision.NO_GO, no_go_outcome=NoGoOutcome.CANCEL).exists()
    assert decided.filter(decision=GateDecision.CONDITIONAL_GO, actions__kind=GateActionKind.CONDITION).exists()
    open_reviews = GateReview.objects.filter(status="open")
    assert open_reviews.count() == sum("O" in spec.plan for spec in PROJECTS)
    assert all(review.votes.exists() for review in open_reviews)
    # Every decision was taken by the gate's Accountable person and left its audit record.
    assert AuditRecord.objects.filter(action="gate.decide").count() == decided.count()
    assert all(review.decided_by_id == review.project.sponsor_id for review in decided)

    for project in projects.select_related("charter"):
        charter = project.charter
        assert charter.version >= 4, project.code
        assert CharterVersion.objects.filter(charter=charter).count() == charter.version
        assert charter.objective and charter.model_users and charter.acceptance_measure
        assert charter.expected_benefit is not None and charter.expected_cost
        assert charter.success_metrics.count() == 2
        assert charter.data_sources.filter(is_ssot=True).count() == 1
        assert charter.data_dictionary.count() >= 5
        assert charter.milestones.count() == 5
        activities = dict(project.activities.values_list("id", "name"))
        assert raci_problems(activities, raci_grid(project)) == {}, project.code
        assert project.audit_records.filter(action="project.create").count() == 1

    gate_consulted = RaciAssignment.objects.filter(activity__is_gate=True, role=RaciRole.CONSULTED)
    assert gate_consulted.values("activity").distinct().count() == Project.objects.count() * len(Phase.values)
    assert set(ArtifactVersion.objects.values_list("kind", flat=True)) == {ArtifactKind.UPLOAD, ArtifactKind.LINK}
    assert all(version.file.size == version.size for version in ArtifactVersion.objects.exclude(file=""))

    User = get_user_model()
    assert User.objects.get(username="admin").is_superuser
    for username, role in (("exec", Role.EXECUTIVE_LEADER), ("pm", Role.PROJECT_MANAGER), ("ds", Role.DATA_SCIENTIST)):
        held = set(Membership.objects.filter(user__username=username).values_list("portfolio__name", "role"))
        assert held == {(name, role) for name in PORTFOLIO_NAMES}, username
    assert authenticate(username="pm", password="demo") is not None
    for username in ("admin", "exec", "pm", "ds"):
        assert f"  {username} " in output
    assert f"{len(PROJECTS)} project(s) created, 0 already there" in output

    _assert_metrics_demo()

    before = row_counts()
    again = seed()

    assert row_counts() == before
    assert f"0 project(s) created, {len(PROJECTS)} already there" in again


def test_seed_demo_refuses_production_settings(monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "portal.settings.production")

    with pytest.raises(CommandError, match="refuses to run in production"):
        seed()

    assert get_user_model().objects.count() == 0
    assert Portfolio.objects.count() == 0


def test_a_second_seed_leaves_a_users_own_portfolio_and_project_alone():
    """After `make demo`, someone adds a portfolio and a project of their own; `make demo` again must not
    crash on the portfolio it does not know, nor seed demo data into the user's project."""
    seed()
    User = get_user_model()
    admin, pm, executive = (User.objects.get(username=name) for name in ("admin", "pm", "exec"))
    own = reference_save(actor=admin, row=Portfolio(name="Our own models", slug="own"))
    membership_grant(actor=admin, user=pm, portfolio=own, role=Role.PROJECT_MANAGER)
    membership_grant(actor=admin, user=executive, portfolio=own, role=Role.EXECUTIVE_LEADER)
    project = services.project_create(
        actor=pm,
        code="OWN-001",
        name="Our first model",
        portfolio=own,
        owner=pm,
        sponsor=executive,
        ideation_date=datetime.date(2026, 1, 5),
    )
    before = row_counts()
    own_rows = _own_rows(project)

    again = seed()

    assert f"0 project(s) created, {len(PROJECTS)} already there" in again
    assert _own_rows(project) == own_rows
    assert Project.objects.get(pk=project.pk).portfolio_id == own.pk
    assert set(Membership.objects.filter(portfolio=own).values_list("user__username", "role")) == {
        ("pm", Role.PROJECT_MANAGER),
        ("exec", Role.EXECUTIVE_LEADER),
    }
    # Nothing else was added either: only derived figures, which the seed's final computation recomputes for every
    # project (the user's included) and the compute requests it leaves behind.
    changed = {label for label, count in row_counts().items() if count != before[label]}
    assert changed <= {"metrics.MetricSnapshot", "metrics.MetricComputeRequest"}, changed


def _own_rows(project: Project) -> dict[str, object]:
    """Every row the user's project owns, by model, as comparable values."""
    from metrics.portfolio_inputs.models import BudgetPeriod, CostEntry, Risk, StatusReport, TimeEntry

    return {
        "project": Project.objects.filter(pk=project.pk).values().get(),
        "audit": sorted(AuditRecord.objects.filter(project=project).values_list("id", "action")),
        "charter": CharterVersion.objects.filter(charter__project=project).count(),
        "raci": RaciAssignment.objects.filter(activity__project=project).count(),
        **{
            model.__name__: model.objects.filter(project=project).count()
            for model in (BudgetPeriod, CostEntry, Risk, StatusReport, TimeEntry)
        },
    }
