"""Project dashboard: governance (phase, gates, conditions, alerts, RAG history), cost, risks, issues, benefits,
milestones, the htmx sections of the other areas, permissions and a constant number of queries."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lifecycle.models import GateAction, GateReview
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.snapshots.models import MetricSnapshot
from tests.metrics.dashboard_seed import compute_all, seed_projects

pytestmark = pytest.mark.clock


def _url(project):
    return reverse("dashboard-project", args=[project.pk])


@pytest.fixture
def seeded(portfolio, people):
    projects = seed_projects(portfolio, count=2, owner=people["pm"], sponsor=people["exec"])
    compute_all(projects)
    return projects


def test_url_name():
    assert reverse("dashboard-project", args=[7]) == "/projects/7/dashboard/"


@pytest.mark.django_db
def test_members_see_the_project_dashboard(client, people, seeded):
    project = seeded[0]
    review = GateReview.objects.get(project=project)
    GateAction.objects.create(
        review=review, kind="condition", description="Fix the label leak", owner=people["ds"],
        due_date=timezone.localdate() - datetime.timedelta(days=2),
    )  # fmt: skip
    model = DeployedModel.objects.create(project=project, name="scorer", deployed_at=timezone.now())
    threshold = ProductionThreshold.objects.create(
        deployed_model=model, metric_key="psi", comparator="<", threshold=0.2
    )
    ModelAlert.objects.create(
        deployed_model=model, threshold=threshold, metric_key="psi", observed_value=0.4, threshold_value=0.2,
        comparator="<", severity="high", observed_at=timezone.now(), raised_at=timezone.now(), owner=people["ds"],
    )  # fmt: skip
    for role in ("exec", "pm", "ds", "product"):
        client.force_login(people[role])
        response = client.get(_url(project))
        assert response.status_code == 200, role
    html = response.content.decode()
    assert "Fix the label leak" in html and "data-overdue" in html and "1 overdue" in html
    assert "psi 0.4 breaches &lt; 0.2" in html
    assert f'data-decision="{review.decision}"' in html
    for chart_id in (
        "rag-history",
        "phase-durations",
        "project-cost",
        "risks",
        "issues",
        "project-benefits",
        "milestones",
    ):
        assert f'id="chart-{chart_id}-figure"' in html, chart_id
    assert 'data-kpi="spi"' in html and 'data-kpi="overall"' in html


@pytest.mark.django_db
def test_outsider_gets_404(client, people, seeded):
    client.force_login(people["outsider"])
    assert client.get(_url(seeded[0])).status_code == 404
    assert client.get(_url(seeded[0]), {"csv": "project-cost"}).status_code == 404


@pytest.mark.django_db
def test_csv_of_a_project_chart(client, people, seeded):
    client.force_login(people["pm"])
    response = client.get(_url(seeded[0]), {"csv": "rag-history"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["month", "as_of", "overall", "reported"]
    # Last month: the worst dimension of its last report; this month: today's computed RAG, the PM's report beside.
    current = MetricSnapshot.objects.get(metric="overall_rag", scope_type="project", scope_id=seeded[0].pk, period="")
    assert current.detail["rag"] == "red"  # SPI: half done by the report of today, against a plan further on
    assert [row[2:4] for row in rows[1:]] == [["green", "green"], ["red", "green"]]
    milestones = list(csv.reader(io.StringIO(client.get(_url(seeded[0]), {"csv": "milestones"}).content.decode())))
    assert [row[3] for row in milestones[1:]] == ["overdue", "upcoming"]


@pytest.mark.django_db
def test_without_snapshots_the_page_shows_empty_states(client, people, project):
    client.force_login(people["pm"])
    html = client.get(_url(project)).content.decode()
    assert "Figures not computed yet" in html
    assert 'data-empty-chart="project-cost"' in html
    assert f'href="{reverse("project-detail", args=[project.pk])}"' in html


@pytest.mark.django_db
def test_delivery_and_product_sections_load_with_htmx_or_say_not_available(client, people, seeded):
    client.force_login(people["pm"])
    html = client.get(_url(seeded[0])).content.decode()
    for key, name in (("delivery", "project-delivery-fragment"), ("product", "project-product-fragment")):
        try:
            fragment = reverse(name, args=[seeded[0].pk])
        except NoReverseMatch:
            assert f'data-fragment-unavailable="{key}"' in html
        else:
            assert f'hx-get="{fragment}" hx-trigger="load"' in html


@pytest.mark.django_db
def test_same_number_of_queries_whatever_the_portfolio_size(client, portfolio, people, seeded):
    client.force_login(people["exec"])
    client.get(_url(seeded[0]))
    with CaptureQueriesContext(connection) as small:
        client.get(_url(seeded[0]))
    more = seed_projects(portfolio, count=20, owner=people["pm"], sponsor=people["exec"], start=2)
    compute_all(more)
    with CaptureQueriesContext(connection) as large:
        client.get(_url(seeded[0]))
    assert len(small) == len(large)
