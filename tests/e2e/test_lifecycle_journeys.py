"""What a PM and an executive do in the browser, end to end, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from lifecycle.choices import Phase
from lifecycle.models import CharterVersion, GateReview, Project
from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member, provide_required_artifacts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def team():
    portfolio = PortfolioFactory(name="Applied Machine Learning", slug="aml")
    pm = member(portfolio, Role.PROJECT_MANAGER, "pm")
    executive = member(portfolio, Role.EXECUTIVE_LEADER, "exec")
    project = make_project(portfolio=portfolio, owner=pm, sponsor=executive, code="AML-007", name="Churn radar")
    return {"pm": pm, "exec": executive, "project": project}


def test_pm_adds_a_smart_metric_and_sees_version_2_and_its_diff(team, login):
    project = team["project"]
    page = login("pm")
    page.goto(f"/projects/{project.pk}/charter/edit/")
    page.fill("#id_objective", "Cut voluntary churn of **premium** customers.")
    page.click("[data-testid=add-success_metrics]")
    row = page.locator("#rows-success_metrics tr[data-formset-row]").last
    row.locator("input[name$='-name']").fill("Monthly churn")
    row.locator("input[name$='-target']").fill("2.5")
    row.locator("input[name$='-unit']").fill("%")
    page.get_by_role("button", name="Save as a new version").click()

    expect(page.get_by_text("Saved as version 2.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Monthly churn")
    assert CharterVersion.objects.filter(charter__project=project).count() == 2

    page.goto(f"/projects/{project.pk}/charter/diff/?from=1&to=2")
    main = page.locator("main")
    expect(main).to_contain_text("Version 1")
    expect(main).to_contain_text("Version 2")
    expect(main).to_contain_text("Monthly churn")
    expect(main).to_contain_text("Cut voluntary churn")


def test_second_editor_sees_the_conflict_view_and_loses_nothing(team, login):
    project = team["project"]
    first = login("pm")
    second = login("pm")
    first.goto(f"/projects/{project.pk}/charter/edit/")
    second.goto(f"/projects/{project.pk}/charter/edit/")

    first.fill("#id_objective", "Objective written by the first editor.")
    first.get_by_role("button", name="Save as a new version").click()
    expect(first.get_by_text("Saved as version 2.")).to_be_visible()

    second.fill("#id_objective", "Objective written by the second editor.")
    second.get_by_role("button", name="Save as a new version").click()

    expect(second.get_by_test_id("charter-conflict")).to_be_visible()
    # Both versions on screen; the second editor's text is still in the form, re-based on version 2.
    expect(second.locator("main")).to_contain_text("Objective written by the first editor.")
    expect(second.locator("#id_objective")).to_have_value("Objective written by the second editor.")
    expect(second.locator("input[name=base_version]")).to_have_value("2")
    charter = Project.objects.get(pk=project.pk).charter
    assert (charter.version, charter.objective) == (2, "Objective written by the first editor.")

    # Saving again from the conflict view applies the second editor's text as version 3.
    second.get_by_role("button", name="Save as a new version").click()
    expect(second.get_by_text("Saved as version 3.")).to_be_visible()
    charter.refresh_from_db()
    assert (charter.version, charter.objective) == (3, "Objective written by the second editor.")


def test_pm_requesting_a_gate_with_an_artifact_missing_sees_what_is_missing(team, login):
    project = team["project"]
    page = login("pm")
    page.goto(f"/projects/{project.pk}/")
    page.get_by_role("button", name="Request gate review").click()

    alert = page.get_by_role("alert").filter(has_text="The gate review was not requested.")
    expect(alert).to_be_visible()
    expect(alert.get_by_test_id("missing-artifacts").locator("li")).to_have_text(
        ["Data dictionary", "Data sources", "Project charter", "Project repository", "Single source of truth"]
    )
    expect(alert.get_by_role("link", name="Provide or waive them on the artifacts page")).to_be_visible()
    assert not GateReview.objects.filter(project=project).exists()


def test_executive_decides_go_and_the_project_shows_its_new_phase(team, login):
    from lifecycle import services

    project = team["project"]
    provide_required_artifacts(project, team["pm"])
    review = services.gate_review_request(actor=team["pm"], project=project)

    page = login("exec")
    page.goto(f"/gate-reviews/{review.pk}/decide/")
    page.locator("input[name=decision][value=go]").check()
    page.fill("textarea[name=rationale]", "The charter is clear and the value case holds.")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Record the decision").click()
    expect(page).to_have_url(re.compile(rf"/gate-reviews/{review.pk}/$"))
    assert questions == ["Record this decision? It is frozen once recorded and moves the project."]
    expect(page.locator("main")).to_contain_text("The charter is clear and the value case holds.")

    page.get_by_role("link", name="Overview").click()
    current_step = page.get_by_label("Phase progress").locator("li[aria-current=step]")
    expect(current_step).to_have_text(re.compile(r"2\s*Exploration"))
    assert Project.objects.get(pk=project.pk).phase == Phase.EXPLORATION
