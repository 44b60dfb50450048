"""A data scientist attaches two MLflow runs to a modeling gate review in real Chromium and sees the automated
criteria pass and fail. The runs come from a real `mlflow server`, seeded with the real client and synced."""

import pytest
from playwright.sync_api import expect

from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member
from tests.metrics.conftest import mlflow_namespace, mlflow_server  # noqa: F401 (fixtures used below)
from tests.metrics.evidence_world import modeling_rules, seeded_world
from tests.metrics.mlflow_seed import Seeder

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(mlflow_server, mlflow_namespace):  # noqa: F811
    portfolio = PortfolioFactory(name="Applied Machine Learning", slug="aml")
    people = {
        "pm": member(portfolio, Role.PROJECT_MANAGER, "pm"),
        "exec": member(portfolio, Role.EXECUTIVE_LEADER, "exec"),
        "ds": member(portfolio, Role.DATA_SCIENTIST, "ds"),
    }
    project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-042")
    seed = Seeder.for_server(mlflow_server.uri, mlflow_namespace)
    world = seeded_world(project, people, seed, mlflow_server.uri)
    return world, modeling_rules(project, people)


def outcome_of(page, rule):
    return page.locator(f"[data-testid=automated-criteria] [data-rule='{rule.pk}']")


def test_a_data_scientist_attaches_two_runs_and_sees_criteria_pass_and_fail(world, login):
    world, rules = world
    page = login("ds")
    page.goto(f"/gate-reviews/{world.review.pk}/")
    expect(outcome_of(page, rules["auc"])).to_have_attribute("data-rule-outcome", "no_evidence")

    page.get_by_test_id("evidence-link").click()
    page.fill("#metric", "val_auc>=0.7")
    page.select_option("#sort", "-val_auc")
    page.get_by_role("button", name="Search").click()
    results = page.locator("[data-testid=run-results] tbody tr")
    expect(results).to_have_count(3)
    expect(results.first).to_contain_text("rf-200")

    page.get_by_test_id("attach-lr-base").click()
    expect(page.get_by_text("Attached. The automated criteria are evaluated again.")).to_be_visible()
    expect(outcome_of(page, rules["auc"])).to_have_attribute("data-rule-outcome", "fail")
    expect(outcome_of(page, rules["auc"])).to_contain_text("Best run lr-base has val_auc = 0.78, not >= 0.8.")
    expect(page.locator("#metric")).to_have_value("val_auc>=0.7")  # the search is kept after attaching

    page.get_by_test_id("attach-rf-200").click()
    expect(outcome_of(page, rules["auc"])).to_have_attribute("data-rule-outcome", "pass")
    expect(outcome_of(page, rules["finished"])).to_have_attribute("data-rule-outcome", "pass")
    expect(outcome_of(page, rules["seed"])).to_have_attribute("data-rule-outcome", "fail")
    expect(outcome_of(page, rules["seed"])).to_contain_text("split_seed is not recorded on lr-base.")

    page.get_by_role("link", name="Back to the review").click()
    criteria = page.get_by_test_id("automated-criteria")
    expect(criteria.locator("[data-outcome=pass]")).to_have_count(2)
    expect(criteria.locator("[data-outcome=fail]")).to_have_count(1)
    expect(criteria.locator("[data-outcome=no_evidence]")).to_have_count(1)

    page.get_by_role("link", name="Compare runs").click()
    expect(page.get_by_test_id("comparison-table")).to_contain_text("split_seed")
    # Parallel coordinates draw with WebGL, slow in a GPU-less Chromium: wait for both figures, not a fixed time.
    for chart in ("history", "parallel"):
        expect(page.locator(f"[data-chart={chart}]")).to_have_attribute("data-drawn", "1", timeout=30_000)
    expect(page.locator("[data-chart=history] svg.main-svg").first).to_be_visible()
