"""A PM imports a sprint's Jira export in the browser and sees its burndown, computed from the imported history."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from metrics.scrum.choices import SprintState
from metrics.scrum.models import Sprint, WorkItem
from metrics.scrum.services import sprints as services
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member

pytestmark = pytest.mark.django_db(transaction=True)

SPRINT_CSV = (
    "key,type,status,story points,sprint,created,resolved,summary,sprint start,sprint end\n"
    "ML-1,Story,Done,5,Sprint 1,2026-02-27 10:00,2026-03-04 15:00,Score churn nightly,2026-03-02,2026-03-13\n"
    "ML-2,Story,In Progress,3,Sprint 1,2026-02-27 10:00,,Explain the score,,\n"
    "ML-3,Bug,Done,2,Sprint 1,2026-03-05 09:00,2026-03-10 12:00,Fix the feature lag,,\n"
    "ML-4,Task,Won't Do,1,Sprint 1,2026-02-27 10:00,2026-03-06 10:00,Try another model,,\n"
)


@pytest.fixture
def team():
    portfolio = PortfolioFactory(name="Applied Machine Learning", slug="aml")
    pm = member(portfolio, Role.PROJECT_MANAGER, "pm")
    executive = member(portfolio, Role.EXECUTIVE_LEADER, "exec")
    project = make_project(portfolio=portfolio, owner=pm, sponsor=executive, code="AML-007", name="Churn radar")
    return services.team_create(actor=pm, portfolio=portfolio, name="Churn squad", project=project, members=[pm])


def test_pm_imports_a_sprint_csv_and_sees_the_burndown(team, login):
    page = login("pm")
    page.goto(reverse("team-dashboard", args=[team.pk]))
    expect(page.locator("[data-empty-chart=burndown]")).to_be_visible()
    page.click("[data-testid=import-jira-link]")
    assert page.url.endswith(reverse("import-csv", kwargs={"kind": "jira-issues", "scope_pk": team.pk}))

    page.set_input_files(
        "[data-testid=import-upload] input[type=file]",
        files=[{"name": "sprint-1.csv", "mimeType": "text/csv", "buffer": SPRINT_CSV.encode()}],
    )
    page.click("[data-testid=import-upload] button[type=submit]")
    expect(page.locator("[data-testid=import-good]")).to_have_text("4")
    expect(page.locator("[data-testid=import-bad]")).to_have_text("0")
    page.click("[data-testid=import-confirm] button[type=submit]")
    expect(page.locator("[data-testid=import-done]")).to_be_visible()

    sprint = Sprint.objects.get(team=team, name="Sprint 1")
    assert sprint.state == SprintState.CLOSED and sprint.summary["commitment"] == 9
    assert WorkItem.objects.filter(team=team).count() == 4
    # The compute ran at commit (no broker in tests: the task runs in-process).
    assert MetricSnapshot.objects.filter(scope_type=ScopeType.TEAM, scope_id=team.pk, metric="burndown").exists()

    page.click("[data-testid=import-back]")
    burndown = page.locator("#chart-burndown")
    expect(burndown).to_contain_text("Burndown · Sprint 1")
    expect(burndown.locator("svg.main-svg").first).to_be_visible()
    expect(burndown.locator(".scatterlayer .trace")).to_have_count(3)  # ideal, remaining, scope-change markers
    expect(burndown).to_contain_text("initial commitment (9 points)")

    # The project's dashboard loads the team's delivery charts with htmx, and draws them too.
    page.goto(reverse("dashboard-project", args=[team.project_id]))
    delivery = page.locator(f"#chart-team-{team.pk}-burndown")
    expect(delivery.locator("svg.main-svg").first).to_be_visible()
    expect(page.locator(f"#chart-team-{team.pk}-velocity svg.main-svg").first).to_be_visible()
