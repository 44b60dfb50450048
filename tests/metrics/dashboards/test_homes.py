"""Role home pages: where `/` sends each role, the manager's projects and pending actions, the data scientist's
reviews awaiting evidence, empty states, scoping, and a query count that does not grow with the projects."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lifecycle.choices import GateActionKind, GateDecision, GateReviewStatus, Phase, RaciRole
from lifecycle.models import GateAction, GateReview, GateVote, Project, RaciAssignment
from metrics.deployments.choices import AlertState
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.evidence.choices import EvidenceKind
from metrics.evidence.models import GateEvidence
from metrics.mirror.models import ExperimentLink, MlflowRun, TrackingServer
from metrics.portfolio_inputs.models import StatusReport
from portfolio.choices import Role
from portfolio.models import Membership, Portfolio
from tests.factories import make_project

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
TODAY = timezone.localdate()


def as_user(client, user):
    client.force_login(user)
    return client


def open_review(project: Project, phase: str = Phase.MODELING) -> GateReview:
    Project.objects.filter(pk=project.pk).update(phase=phase)
    return GateReview.objects.create(
        project=project, phase=phase, requested_by=project.owner, requested_at=timezone.now()
    )


def outsiders() -> Portfolio:
    return Portfolio.objects.get(slug="air")  # the outsider's portfolio (tests/conftest.py `people`)


def gate_assignment(project: Project, phase: str, user, role: str) -> None:
    """Put `user` in `role` on the gate activity of `phase` (an Accountable replaces the one before)."""
    gate = project.activities.get(phase=phase, is_gate=True)
    if role == RaciRole.ACCOUNTABLE:
        RaciAssignment.objects.filter(activity=gate, role=role).delete()
    RaciAssignment.objects.update_or_create(activity=gate, user=user, defaults={"role": role})


# --- where / sends people ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("exec", "dashboard-portfolio"),
        ("pm", "home-manager"),
        ("ds", "home-evidence"),
        ("architect", "project-list"),
        ("product", "project-list"),
    ],
)
def test_home_sends_each_role_to_its_home(client, people, who, home) -> None:
    response = as_user(client, people[who]).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse(home)


def test_an_executive_who_also_manages_lands_on_portfolio_health(client, people, portfolio) -> None:
    Membership.objects.create(user=people["exec"], portfolio=portfolio, role=Role.PROGRAM_MANAGER)
    Membership.objects.create(user=people["pm"], portfolio=portfolio, role=Role.DATA_SCIENTIST)

    assert as_user(client, people["exec"]).get("/")["Location"] == reverse("dashboard-portfolio")
    assert as_user(client, people["pm"]).get("/")["Location"] == reverse("home-manager")


@pytest.mark.parametrize("name", ["home", "home-manager", "home-evidence"])
def test_homes_need_a_sign_in(client, db, name) -> None:
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


# --- the manager's home ---------------------------------------------------------------------------------------


def test_manager_home_empty_state(client, people) -> None:
    page = as_user(client, people["pm"]).get(reverse("home-manager")).content.decode()

    assert 'data-empty="projects"' in page and 'data-empty="reports"' in page and 'data-empty="waiting"' in page
    assert "You own no open project" in page and "Nothing waits for you" in page


@pytest.fixture
def manager_world(people, portfolio):
    """pm owns AML-001 (no status report) and AML-002 (reported last week); the data scientist is Consulted at
    AML-001's modeling gate and pm Accountable at AML-002's; an outsider's project must never show."""
    pm, sponsor, ds = people["pm"], people["exec"], people["ds"]
    first = make_project(portfolio=portfolio, owner=pm, sponsor=sponsor, code="AML-001")
    second = make_project(portfolio=portfolio, owner=pm, sponsor=sponsor, code="AML-002")
    StatusReport.objects.create(
        project=second, as_of=TODAY - datetime.timedelta(days=7), schedule_rag="green", overall_rag="green", author=pm
    )
    vote_review, decide_review = open_review(first), open_review(second)
    gate_assignment(first, Phase.MODELING, ds, RaciRole.CONSULTED)
    gate_assignment(first, Phase.MODELING, pm, RaciRole.CONSULTED)
    gate_assignment(second, Phase.MODELING, pm, RaciRole.ACCOUNTABLE)
    decided = GateReview.objects.create(
        project=first, phase=Phase.EXPLORATION, requested_by=pm, requested_at=timezone.now(),
        status=GateReviewStatus.DECIDED, decision=GateDecision.CONDITIONAL_GO,
    )  # fmt: skip
    yesterday = TODAY - datetime.timedelta(days=1)
    overdue = GateAction.objects.create(
        review=decided, kind=GateActionKind.CONDITION, description="Bias audit", owner=pm, due_date=yesterday
    )
    GateAction.objects.create(
        review=decided, kind=GateActionKind.CONDITION, description="Later", owner=pm, due_date=TODAY
    )
    GateAction.objects.create(
        review=decided, kind=GateActionKind.CONDITION, description="Done", owner=pm, due_date=yesterday,
        completed_at=timezone.now(),
    )  # fmt: skip
    GateAction.objects.create(
        review=decided, kind=GateActionKind.REWORK, description="Rework", owner=pm, due_date=yesterday
    )
    model = DeployedModel.objects.create(project=second, name="scorer", deployed_at=timezone.now())
    threshold = ProductionThreshold.objects.create(
        deployed_model=model, metric_key="auc", comparator=">=", threshold=0.8
    )
    alert = ModelAlert.objects.create(
        deployed_model=model, threshold=threshold, metric_key="auc", observed_value=0.7, threshold_value=0.8,
        comparator=">=", severity="high", observed_at=timezone.now(), raised_at=timezone.now(), owner=pm,
    )  # fmt: skip
    outsider_project = make_project(portfolio=outsiders(), owner=people["outsider"], code="AIR-001")
    open_review(outsider_project)
    return {
        "first": first, "second": second, "vote": vote_review, "decide": decide_review,
        "overdue": overdue, "alert": alert, "threshold": threshold,
    }  # fmt: skip


def inbox_card_rows(page: str) -> list[str]:
    return re.findall(r'data-inbox-row="([^"]+)"', page)


def test_manager_home_shows_what_they_owe_first_then_their_projects_and_reports_due(
    client, people, manager_world
) -> None:
    w = manager_world
    response = as_user(client, people["pm"]).get(reverse("home-manager"))
    home = response.context["home"]

    assert [project.code for project in home.projects] == ["AML-001", "AML-002"]
    assert [project.code for project in home.reports_due] == ["AML-001"]
    page = response.content.decode()
    assert page.index('data-testid="waiting-card"') < page.index('id="reports-title"')
    # the inbox card: a vote, a decision, three open actions (two overdue first), an alert; the first five shown
    assert 'data-testid="waiting-total">6<' in page
    rows = inbox_card_rows(page)
    assert len(rows) == 5 and rows[:2] == sorted(
        [f"action-{w['overdue'].pk}", f"action-{GateAction.objects.get(description='Rework').pk}"]
    )
    assert f"decision-{w['decide'].pk}" in rows and f"vote-{w['vote'].pk}" in rows
    assert 'data-action="status-report"' in page
    assert "AIR-001" not in page


def test_manager_home_forgets_what_is_done(client, people, manager_world) -> None:
    w, pm = manager_world, people["pm"]
    GateVote.objects.create(review=w["vote"], voter=pm, vote=GateDecision.GO, voted_at=timezone.now())
    GateAction.objects.filter(review__project__portfolio=w["first"].portfolio).update(completed_at=timezone.now())
    ModelAlert.objects.filter(pk=w["alert"].pk).update(state=AlertState.RESOLVED, resolved_at=timezone.now())
    StatusReport.objects.create(project=w["first"], as_of=TODAY, cost_rag="green", overall_rag="green", author=pm)
    GateReview.objects.filter(pk=w["decide"].pk).update(status=GateReviewStatus.DECIDED, decision=GateDecision.GO)

    response = as_user(client, pm).get(reverse("home-manager"))

    assert response.context["home"].reports_due == []
    assert inbox_card_rows(response.content.decode()) == []


def test_a_consulted_data_scientist_sees_the_vote_on_the_manager_page_too(client, people, manager_world) -> None:
    response = as_user(client, people["ds"]).get(reverse("home-manager"))

    assert response.context["home"].projects == []
    assert inbox_card_rows(response.content.decode()) == [f"vote-{manager_world['vote'].pk}"]


# --- the data scientist's home --------------------------------------------------------------------------------


def test_evidence_home_empty_state(client, people, project) -> None:
    open_review(project, Phase.EXPLORATION)  # not a gate decided on MLflow evidence

    page = as_user(client, people["ds"]).get(reverse("home-evidence")).content.decode()

    assert 'data-empty="reviews"' in page
    assert "No modeling or deployment gate review is open in your portfolios" in page


def add_evidence(review: GateReview, server: TrackingServer, run_id: str, who) -> None:
    run = MlflowRun.objects.create(
        server=server, experiment_id="1", run_id=run_id, status="FINISHED", lifecycle_stage="active",
        synced_at=timezone.now(),
    )  # fmt: skip
    GateEvidence.objects.create(
        review=review, kind=EvidenceKind.RUN, run=run, snapshot={}, attached_by=who, attached_at=timezone.now()
    )


def test_evidence_home_lists_open_modeling_and_deployment_reviews_without_evidence_first(
    client, people, portfolio
) -> None:
    pm, ds = people["pm"], people["ds"]
    server = TrackingServer.objects.create(name="lab", uri="http://127.0.0.1:5000")
    with_two = open_review(make_project(portfolio=portfolio, owner=pm, sponsor=people["exec"], code="AML-010"))
    bare = open_review(
        make_project(portfolio=portfolio, owner=pm, sponsor=people["exec"], code="AML-011"), Phase.DEPLOYMENT
    )
    ExperimentLink.objects.create(project=with_two.project, server=server, experiment_id="1")
    add_evidence(with_two, server, "run-a", ds)
    add_evidence(with_two, server, "run-b", ds)
    open_review(make_project(portfolio=portfolio, owner=pm, sponsor=people["exec"], code="AML-012"), Phase.CHARTER)
    open_review(make_project(portfolio=outsiders(), owner=people["outsider"], code="AIR-002"))

    response = as_user(client, ds).get(reverse("home-evidence"))

    reviews = response.context["reviews"]
    assert [(r.project.code, r.evidence_count, r.has_experiments) for r in reviews] == [
        ("AML-011", 0, False),
        ("AML-010", 2, True),
    ]
    page = response.content.decode()
    assert reverse("gate-review-detail", args=[bare.pk]) in page and "2 attached" in page
    assert "AIR-002" not in page and "AML-012" not in page


# --- query budget -----------------------------------------------------------------------------------------------


def build_projects(portfolio, people, numbers: range) -> None:
    """Projects owned by pm, each with an open modeling review awaiting pm's vote, an overdue condition
    and an open alert owned by pm, and no status report."""
    pm, exec_ = people["pm"], people["exec"]
    for number in numbers:
        project = make_project(portfolio=portfolio, owner=pm, sponsor=exec_, code=f"Q-{number:03d}")
        review = open_review(project)
        gate_assignment(project, Phase.MODELING, pm, RaciRole.CONSULTED)
        decided = GateReview.objects.create(
            project=project, phase=Phase.CHARTER, requested_by=pm, requested_at=timezone.now(),
            status=GateReviewStatus.DECIDED, decision=GateDecision.CONDITIONAL_GO,
        )  # fmt: skip
        GateAction.objects.create(
            review=decided, kind=GateActionKind.CONDITION, description="c", owner=pm,
            due_date=TODAY - datetime.timedelta(days=2),
        )  # fmt: skip
        model = DeployedModel.objects.create(project=project, name="m", deployed_at=timezone.now())
        threshold = ProductionThreshold.objects.create(
            deployed_model=model, metric_key="auc", comparator=">=", threshold=1
        )
        ModelAlert.objects.create(
            deployed_model=model, threshold=threshold, metric_key="auc", observed_value=0.5, threshold_value=1,
            comparator=">=", severity="high", observed_at=timezone.now(), raised_at=timezone.now(), owner=pm,
        )  # fmt: skip
        assert review.pk


def queries_of(client, user, name: str) -> tuple[int, int]:
    """(queries, rows listed): inbox rows owed (the card's total), status reports due, reviews awaiting evidence."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    owed = re.search(r'data-testid="waiting-total">(\d+)<', page)
    return len(captured), int(owed.group(1)) + page.count('data-action="status-report"') + page.count("data-review=")


def test_home_pages_use_the_same_queries_for_5_and_50_projects(client, people, portfolio) -> None:
    build_projects(portfolio, people, range(5))
    manager_small, manager_rows_small = queries_of(client, people["pm"], "home-manager")
    evidence_small, evidence_rows_small = queries_of(client, people["ds"], "home-evidence")

    build_projects(portfolio, people, range(5, 50))
    manager_large, manager_rows_large = queries_of(client, people["pm"], "home-manager")
    evidence_large, evidence_rows_large = queries_of(client, people["ds"], "home-evidence")

    assert (manager_rows_small, manager_rows_large) == (5 * 4, 50 * 4)  # vote, condition, alert, status report
    assert (evidence_rows_small, evidence_rows_large) == (5, 50)  # the reviews awaiting evidence; ds owes nothing
    assert manager_large == manager_small
    assert evidence_large == evidence_small


def test_manager_home_marks_an_overridden_rag_and_a_pm_report_that_differs(client, people, manager_world) -> None:
    from metrics.portfolio_inputs.services.rag import rag_override_set
    from metrics.snapshots.choices import ScopeType
    from metrics.snapshots.services import scope_compute

    first = manager_world["first"]
    rag_override_set(
        actor=people["pm"], project=first, rag="yellow", reason="Vendor delay agreed",
        expires_on=TODAY + datetime.timedelta(days=30),
    )  # fmt: skip
    StatusReport.objects.filter(project=manager_world["second"]).update(schedule_rag="red", overall_rag="green")
    for project in (first, manager_world["second"]):
        scope_compute(ScopeType.PROJECT, project.pk)

    page = as_user(client, people["pm"]).get(reverse("home-manager")).content.decode()
    first_row = page[page.index('data-project="AML-001"') : page.index('data-project="AML-002"')]
    assert 'data-testid="rag-override"' in first_row and "Vendor delay agreed" in first_row
    second_row = page[page.index('data-project="AML-002"') :]
    assert 'data-testid="rag-differs"' in second_row.split("</li>")[0]
