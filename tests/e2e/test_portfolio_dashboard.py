"""An executive opens the portfolio dashboard in real Chromium, sees the Plotly charts, filters by business
unit and the charts change."""

import pytest
from playwright.sync_api import expect

from portfolio.choices import Role
from tests.factories import BusinessUnitFactory, PortfolioFactory, member
from tests.metrics.dashboard_seed import compute_all, seed_projects

pytestmark = pytest.mark.django_db(transaction=True)
#: The page loads plotly.js (5 MB) from the single-threaded live server: allow for a busy CI machine.
PAGE_LOAD_MS = 60_000


@pytest.fixture
def organization():
    portfolio = PortfolioFactory(name="Applied Machine Learning", slug="aml")
    pm = member(portfolio, Role.PROJECT_MANAGER, "pm")
    executive = member(portfolio, Role.EXECUTIVE_LEADER, "exec")
    retail, risk = BusinessUnitFactory(name="Retail banking"), BusinessUnitFactory(name="Risk")
    projects = seed_projects(portfolio, count=3, owner=pm, sponsor=executive, business_unit=retail)
    projects += seed_projects(portfolio, count=2, owner=pm, sponsor=executive, business_unit=risk, start=3)
    compute_all(projects, [pm])
    return {"risk": risk, "projects": projects}


def test_executive_filters_the_portfolio_dashboard_by_business_unit(organization, login):
    page = login("exec")
    page.goto("/dashboards/portfolio/", timeout=PAGE_LOAD_MS)
    health = page.locator("#chart-health")
    expect(health.locator(".js-plotly-plot svg").first).to_be_visible()
    for chart_id in ("status", "cost", "roadmap", "balance"):
        expect(page.locator(f"#chart-{chart_id} .js-plotly-plot svg").first).to_be_visible()
    expect(health.locator(".ytick")).to_have_count(5)  # one heatmap row per project
    expect(page.locator('[data-kpi="projects"]')).to_have_text("5")

    page.select_option("#id_business_unit", label="Risk")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**business_unit={organization['risk'].pk}**", timeout=PAGE_LOAD_MS)

    expect(health.locator(".js-plotly-plot svg").first).to_be_visible()
    expect(health.locator(".ytick")).to_have_count(2)
    expect(page.locator('[data-kpi="projects"]')).to_have_text("2")
    risk_codes = sorted(project.code for project in organization["projects"][3:])
    assert sorted(health.locator(".ytick text").all_text_contents()) == risk_codes
