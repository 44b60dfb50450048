"""Portfolio health dashboard: it reads snapshots, scoped to the user's portfolios, filtered, with a constant
number of queries, CSV export of every chart and drill-down URLs."""

import csv
import io
import json
import re
from html import unescape

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.snapshots.models import MetricSnapshot
from portfolio.choices import Role
from tests.factories import BusinessUnitFactory, PortfolioFactory, UserFactory, member
from tests.metrics.dashboard_seed import compute_all, seed_projects

pytestmark = pytest.mark.clock

URL = "/dashboards/portfolio/"
CHART_IDS = (
    "status", "phase", "health", "gate-decisions", "phase-time", "cost", "utilization", "roadmap", "benefits",
    "mobilize", "roi", "balance",
)  # fmt: skip


def _csv(client, chart_id, **params):
    response = client.get(URL, {**params, "csv": chart_id})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def _figure(html, chart_id):
    """The figure JSON the chart card hands to static/js/charts.js (read as its textContent)."""
    match = re.search(rf'<(script|div)[^>]*id="chart-{chart_id}-figure"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"chart {chart_id} not drawn"
    text = match.group(2)
    return json.loads(text if match.group(1) == "script" else unescape(text))


@pytest.fixture
def seeded(portfolio, people):
    projects = seed_projects(portfolio, count=5, owner=people["pm"], sponsor=people["exec"])
    compute_all(projects, [people["pm"]])
    return projects


def test_url_name():
    assert reverse("dashboard-portfolio") == URL


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_executive_sees_every_chart_with_data(client, people, seeded):
    client.force_login(people["exec"])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for chart_id in CHART_IDS:
        _figure(html, chart_id)
    status = _figure(html, "status")["data"][0]
    # computed, not reported: every seeded project has SPI < 0.9 (and an open high issue) -> all red, whatever
    # their status reports say (indexes 0..4 cycle g/y/r there)
    assert list(status["y"]) == [0, 0, 5, 0]  # green, yellow, red, not assessed
    assert status["customdata"][2] == "/projects/?overall_rag=red"
    health = _figure(html, "health")["data"][0]
    assert len(health["y"]) == 5
    assert health["customdata"][0][0].startswith("/projects/") and health["customdata"][0][0].endswith("/dashboard/")
    for kpi in ("projects", "bac", "eac", "cpi", "spi", "benefits", "mobilize"):
        assert f'data-kpi="{kpi}"' in html
    assert re.search(r'data-kpi="bac">20\.0k EUR<', html)  # 5 projects x 4 months x 1,000, in the currency
    assert "How is this computed?" in html


@pytest.mark.django_db
def test_every_chart_exports_its_data_as_csv(client, people, seeded):
    client.force_login(people["exec"])
    for chart_id in CHART_IDS:
        rows = _csv(client, chart_id)
        assert len(rows) >= 2, chart_id
    status = _csv(client, "status")
    assert status == [
        ["overall_rag", "projects (count)"], ["green", "0"], ["yellow", "0"], ["red", "5"], ["not assessed", "0"]
    ]  # fmt: skip
    assert client.get(URL, {"csv": "nope"}).status_code == 404


@pytest.mark.django_db
def test_an_outsider_sees_only_their_portfolio(client, people, seeded):
    theirs = PortfolioFactory(name="AI Research", slug="air")
    their_exec = member(theirs, Role.EXECUTIVE_LEADER, "airexec")
    (own,) = seed_projects(theirs, count=1, owner=people["outsider"], sponsor=their_exec, start=7)
    compute_all([own])
    client.force_login(people["outsider"])
    html = client.get(URL).content.decode()
    assert "AML-00" not in html
    health = _csv(client, "health")
    assert [row[0] for row in health[1:]] == [own.code]
    assert sum(int(row[1]) for row in _csv(client, "status")[1:]) == 1
    # asking for another portfolio is not a way in: the choice is refused and nothing of it is shown
    response = client.get(URL, {"portfolio": seeded[0].portfolio_id})
    assert "AML-00" not in response.content.decode()
    assert [row[0] for row in _csv(client, "health", portfolio=seeded[0].portfolio_id)[1:]] == [own.code]
    assert client.get(reverse("dashboard-project", args=[seeded[0].pk])).status_code == 404


@pytest.mark.django_db
def test_a_user_without_portfolio_gets_a_clear_message(client, seeded):
    client.force_login(UserFactory(username="newcomer"))
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-empty-dashboard" in html and "not a member of any portfolio" in html
    assert "chart-status-figure" not in html


@pytest.mark.django_db
def test_empty_portfolio_shows_empty_states_naming_the_missing_data(client, people):
    client.force_login(people["exec"])
    html = client.get(URL).content.decode()
    assert 'data-empty-chart="cost"' in html
    assert "No budgets or cost entries" in html
    assert 'data-empty-chart="utilization"' in html


@pytest.mark.django_db
def test_filtering_by_business_unit_changes_the_charts(client, portfolio, people):
    retail, risk = BusinessUnitFactory(name="Retail"), BusinessUnitFactory(name="Risk")
    a = seed_projects(portfolio, count=3, owner=people["pm"], sponsor=people["exec"], business_unit=retail)
    b = seed_projects(portfolio, count=2, owner=people["pm"], sponsor=people["exec"], business_unit=risk, start=3)
    compute_all(a + b)
    client.force_login(people["exec"])
    everything = {row[0] for row in _csv(client, "health")[1:]}
    assert everything == {p.code for p in a + b}
    only_risk = {row[0] for row in _csv(client, "health", business_unit=risk.pk)[1:]}
    assert only_risk == {p.code for p in b}
    assert sum(int(row[1]) for row in _csv(client, "phase", business_unit=risk.pk)[1:]) == 2
    html = client.get(URL, {"business_unit": risk.pk}).content.decode()
    assert (
        _figure(html, "status")["data"][0]["customdata"][0] == f"/projects/?business_unit={risk.pk}&overall_rag=green"
    )
    assert re.search(r'data-kpi="projects">2<', html)


@pytest.mark.django_db
def test_project_and_date_filters(client, portfolio, people):
    projects = seed_projects(portfolio, count=3, owner=people["pm"], sponsor=people["exec"])
    compute_all(projects)
    client.force_login(people["exec"])
    assert [row[0] for row in _csv(client, "health", project=projects[1].code)[1:]] == [projects[1].code]
    months = [row[0] for row in _csv(client, "cost")[1:]]
    assert len(months) == 4
    trimmed = [row[0] for row in _csv(client, "cost", date_from=f"{months[1]}-01")[1:]]
    assert trimmed == months[1:]


def _count_queries(client, **params):
    """Queries of a full render (the figures' cache emptied first: the budget that matters is the uncached one)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_cached_figures_follow_a_recomputation_and_each_viewers_filters(client, portfolio, people):
    unit = BusinessUnitFactory(name="Retail")
    first = seed_projects(portfolio, count=3, owner=people["pm"], sponsor=people["exec"], business_unit=unit)
    compute_all(first)
    client.force_login(people["exec"])
    assert re.search(r'data-kpi="projects">3<', client.get(URL).content.decode())
    with CaptureQueriesContext(connection) as cached:
        assert re.search(r'data-kpi="projects">3<', client.get(URL).content.decode())
    assert not any("metrics_metricsnapshot" in q["sql"] and "value" in q["sql"] for q in cached.captured_queries)

    more = seed_projects(portfolio, count=2, owner=people["pm"], sponsor=people["exec"], start=3)
    compute_all(first + more)  # new snapshots: a new version, so the cached figures are not served
    assert re.search(r'data-kpi="projects">5<', client.get(URL).content.decode())
    assert re.search(r'data-kpi="projects">3<', client.get(URL, {"business_unit": unit.pk}).content.decode())


@pytest.mark.django_db
def test_same_number_of_queries_for_5_and_50_projects(client, portfolio, people):
    owners = [member(portfolio, Role.PROJECT_MANAGER, f"pm{i}") for i in range(3)]
    unit = BusinessUnitFactory(name="Retail")
    first = seed_projects(portfolio, count=5, owner=owners[0], sponsor=people["exec"], business_unit=unit)
    compute_all(first, owners[:1])
    client.force_login(people["exec"])
    client.get(URL)  # warm caches (content types, sessions)
    # unfiltered: the portfolio rollups; filtered: the filtered projects' snapshots
    five = (_count_queries(client), _count_queries(client, business_unit=unit.pk))
    more = seed_projects(portfolio, count=45, owner=owners[1], sponsor=people["exec"], start=5, business_unit=unit)
    compute_all(more + first, owners[1:2])
    assert MetricSnapshot.objects.filter(scope_type="project").values("scope_id").distinct().count() == 50
    assert re.search(r'data-kpi="projects">50<', client.get(URL).content.decode())
    assert re.search(r'data-kpi="projects">50<', client.get(URL, {"business_unit": unit.pk}).content.decode())
    fifty = (_count_queries(client), _count_queries(client, business_unit=unit.pk))
    assert five == fifty
    # and they stay small (6 of them the executive's inbox: the card's one query per kind, the navigation's count)
    assert fifty[0] < 20 and fifty[1] < 45


@pytest.mark.django_db
def test_portfolio_rollups_show_the_same_figures_as_reading_every_project(client, portfolio, people):
    other = PortfolioFactory(name="Risk analytics", slug="risk")
    member(other, Role.EXECUTIVE_LEADER, "exec")  # the executive sees both portfolios
    other_pm = member(other, Role.PROJECT_MANAGER, "riskpm")
    projects = seed_projects(portfolio, count=4, owner=people["pm"], sponsor=people["exec"])
    projects += seed_projects(other, count=3, owner=other_pm, sponsor=people["exec"], start=4)
    compute_all(projects, [people["pm"], other_pm])
    client.force_login(people["exec"])
    # date_to far ahead filters nothing out but forces reading the projects' snapshots
    for chart_id in CHART_IDS:
        for one_portfolio in ({}, {"portfolio": portfolio.pk}):  # several portfolios merged, and one as stored
            rolled_up = _csv(client, chart_id, **one_portfolio)
            live = _csv(client, chart_id, date_to="2100-01-01", **one_portfolio)
            assert _rounded(rolled_up) == _rounded(live), (chart_id, one_portfolio)
    assert sum(int(row[1]) for row in _csv(client, "status")[1:]) == 7
    one = [row[0] for row in _csv(client, "health", portfolio=other.pk)[1:]]
    assert sorted(one) == sorted(p.code for p in projects[4:])


def _rounded(rows):
    def cell(value):
        try:
            return round(float(value), 6)
        except ValueError:
            return value

    return [[cell(value) for value in row] for row in rows]


@pytest.mark.django_db
def test_without_a_rollup_the_dashboard_reads_the_projects(client, portfolio, people):
    projects = seed_projects(portfolio, count=2, owner=people["pm"], sponsor=people["exec"])
    compute_all(projects, portfolios=False)
    client.force_login(people["exec"])
    assert not MetricSnapshot.objects.filter(scope_type="portfolio").exists()
    assert {row[0] for row in _csv(client, "health")[1:]} == {p.code for p in projects}
    assert sum(int(row[1]) for row in _csv(client, "status")[1:]) == 2
