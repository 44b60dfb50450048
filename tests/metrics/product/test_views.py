"""Product pages: list and create, dashboard (charts, CSV, empty states), data entry forms, the project
dashboard fragment; permissions (outsiders 404, read-only roles cannot post) and query budgets."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.product import services
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricComputeRequest
from metrics.snapshots.services import scope_compute
from tests.metrics.inputs_helpers import everything

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date
UTC = datetime.UTC


def at(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 12, tzinfo=UTC)


@pytest.fixture
def product(project, people):
    return services.product_create(actor=people["product"], project=project, name="Fraud scorer")


def login(client, people, who):
    client.force_login(people[who])
    return client


def fill(product, people, batches: int) -> None:
    pm = people["pm"]
    for batch in range(batches):
        services.product_events_add(
            actor=pm,
            product=product,
            events=[
                {"user_id": f"c{batch}", "name": "login", "at": at(3, 1 + batch % 28)},
                {"user_id": f"c{batch}", "name": "score", "at": at(4, 1 + batch % 28)},
            ],
        )
        customer = services.customer_add(actor=pm, product=product, external_id=f"c{batch}", acquired_on=D(2026, 3, 1))
        services.order_add(actor=pm, customer=customer, placed_at=at(3, 5), revenue="10", gross_margin="0.5")
        services.survey_response_add(actor=pm, product=product, kind="nps", score=batch % 11, at=at(3, 5))
        services.survey_response_add(actor=pm, product=product, kind="csat", score=1 + batch % 5, at=at(3, 5))
    services.marketing_spend_add(
        actor=pm, product=product, channel="ads", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31), amount=100
    )
    scope_compute(ScopeType.PRODUCT, product.pk)


def urls(product) -> dict[str, str]:
    project_pk = product.project_id
    return {
        "list": reverse("product-list", args=[project_pk]),
        "fragment": reverse("project-product-fragment", args=[project_pk]),
        "dashboard": reverse("product-dashboard", args=[product.pk]),
        "recompute": reverse("product-recompute", args=[product.pk]),
        "customer": reverse("product-customer-add", args=[product.pk]),
        "order": reverse("product-order-add", args=[product.pk]),
        "spend": reverse("product-spend-add", args=[product.pk]),
        "survey": reverse("product-survey-add", args=[product.pk]),
        "event": reverse("product-event-add", args=[product.pk]),
    }


def test_paths_are_the_documented_ones(product):
    assert urls(product)["list"] == f"/projects/{product.project_id}/products/"
    assert urls(product)["dashboard"] == f"/products/{product.pk}/"
    assert urls(product)["fragment"] == f"/projects/{product.project_id}/dashboard/product/"


def test_outsiders_get_404_everywhere(client, people, product):
    login(client, people, "outsider")
    get_only, post_only = {"fragment", "dashboard"}, {"recompute"}
    for name, url in urls(product).items():
        if name not in post_only:
            assert client.get(url).status_code == 404, name
        if name not in get_only:
            assert client.post(url, {"name": "X"}).status_code == 404, name
    assert client.get(urls(product)["dashboard"] + "?csv=active-users").status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, product):
    response = client.get(urls(product)["dashboard"])
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("who", ["exec", "ds", "architect"])
def test_read_only_roles_see_but_cannot_post(client, people, product, who):
    fill(product, people, 1)
    login(client, people, who)
    page = client.get(urls(product)["dashboard"])
    assert page.status_code == 200
    assert b"Enter data" not in page.content and b"Recompute now" not in page.content
    assert client.get(urls(product)["list"]).status_code == 200
    assert client.get(urls(product)["fragment"]).status_code == 200
    before = everything()
    posts = {
        "list": {"name": "Other"},
        "recompute": {},
        "customer": {"external_id": "x", "acquired_on": "2026-03-01"},
        "order": {"customer": "c0", "placed_at": "2026-03-05T10:00", "revenue": "1", "gross_margin": "0.5"},
        "spend": {"channel": "tv", "period_start": "2026-03-01", "period_end": "2026-03-31", "amount": "5"},
        "survey": {"kind": "nps", "score": "9", "at": "2026-03-05T10:00"},
        "event": {"user": "u", "name": "login", "time": "2026-03-05T10:00"},
    }
    for name, data in posts.items():
        assert client.post(urls(product)[name], data).status_code == 403, name
    assert client.get(urls(product)["customer"]).status_code == 403
    assert everything() == before


def test_product_manager_creates_a_product_and_a_duplicate_is_a_form_error(client, people, project):
    login(client, people, "product")
    response = client.post(reverse("product-list", args=[project.pk]), {"name": "Churn model", "description": ""})
    product = Product.objects.get(name="Churn model")
    assert response.status_code == 302 and response.url == f"/products/{product.pk}/"
    again = client.post(reverse("product-list", args=[project.pk]), {"name": "Churn model"})
    assert again.status_code == 400
    assert "The project already has a product named &#x27;Churn model&#x27;." in again.content.decode()
    assert Product.objects.count() == 1
    listing = client.get(reverse("product-list", args=[project.pk])).content.decode()
    assert "Churn model" in listing and "New product" in listing


def test_forms_enter_data_through_the_services(client, people, product):
    login(client, people, "pm")
    u = urls(product)
    assert (
        client.post(u["customer"], {"external_id": "c1", "acquired_on": "2026-03-01", "channel": "ads"}).status_code
        == 302
    )
    duplicate = client.post(u["customer"], {"external_id": "c1", "acquired_on": "2026-03-01"})
    assert duplicate.status_code == 400
    assert "The product already has a customer &#x27;c1&#x27;." in duplicate.content.decode()
    unknown = client.post(u["order"], {"customer": "nobody", "placed_at": "2026-03-05T10:00", "revenue": "1",
                                       "gross_margin": "0.5"})  # fmt: skip
    assert unknown.status_code == 400 and "No customer &#x27;nobody&#x27;" in unknown.content.decode()
    bad_margin = client.post(u["order"], {"customer": "c1", "placed_at": "2026-03-05T10:00", "revenue": "1",
                                          "gross_margin": "1.5"})  # fmt: skip
    assert bad_margin.status_code == 400 and "Must be at most 1." in bad_margin.content.decode()
    ok = client.post(u["order"], {"customer": "c1", "placed_at": "2026-03-05T10:00", "revenue": "12.50",
                                  "gross_margin": "0.4", "add_another": "1"})  # fmt: skip
    assert ok.status_code == 302 and ok.url == u["order"]
    spend = {"channel": "ads", "period_start": "2026-03-01", "period_end": "2026-03-31", "amount": "300"}
    assert client.post(u["spend"], spend).status_code == 302
    assert client.post(u["survey"], {"kind": "nps", "score": "11", "at": "2026-03-05T10:00"}).status_code == 400
    assert client.post(u["survey"], {"kind": "csat", "score": "4", "at": "2026-03-05T10:00"}).status_code == 302
    bad_event = client.post(u["event"], {"user": "", "name": "login", "time": "soon", "properties": "[1]"})
    assert bad_event.status_code == 400
    assert "A JSON object" in bad_event.content.decode()
    wrong_time = client.post(u["event"], {"user": "u1", "name": "login", "time": "soon"})
    assert (
        wrong_time.status_code == 400
        and "Not a date and time (ISO 8601): &#x27;soon&#x27;." in wrong_time.content.decode()
    )
    event = {"user": "u1", "name": "login", "time": "2026-03-05T10:00", "properties": '{"model": "v3"}'}
    assert client.post(u["event"], event).status_code == 302
    assert list(Order.objects.values_list("revenue", flat=True)) == [pytest.approx(12.5)]
    assert MarketingSpend.objects.get().amount == 300
    assert list(SurveyResponse.objects.values_list("kind", "score")) == [("csat", 4)]
    assert list(ProductEvent.objects.values_list("user_id", "properties")) == [("u1", {"model": "v3"})]
    assert Customer.objects.count() == 1


def test_dashboard_shows_every_metric_with_csv_and_how_computed(client, people, product):
    fill(product, people, 3)
    login(client, people, "product")
    page = client.get(urls(product)["dashboard"])
    html = page.content.decode()
    assert page.status_code == 200
    for chart_id in ("active-users", "stickiness", "feature-usage", "user-churn", "conversion", "repurchase", "cac",
                     "clv", "clv-cac", "nps", "csat"):  # fmt: skip
        assert f'id="chart-{chart_id}"' in html, chart_id
    assert 'data-chart="active-users"' in html and "How is this computed?" in html
    assert "Distinct users with at least one qualifying event that day" in html
    assert f"/imports/product-events/{product.pk}/" in html  # the CSV import pages are linked
    for key in ("dau", "mau", "nps", "clv_cac"):
        assert f'data-headline="{key}"' in html
    csv = client.get(urls(product)["dashboard"] + "?csv=nps")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "month,nps (score),responses (count),partial"
    assert lines[1] == "2026-03-01,-100,3,False"  # scores 0, 1 and 2: every answer a detractor
    assert client.get(urls(product)["dashboard"] + "?csv=nope").status_code == 404
    weekly = client.get(urls(product)["dashboard"] + "?grain=weekly&csv=active-users").content.decode().splitlines()
    assert weekly[0] == "period,dau (users),wau (users),mau (users),partial"


def test_empty_states_say_what_is_missing_and_link_to_its_form(client, people, product):
    login(client, people, "product")
    html = client.get(urls(product)["dashboard"]).content.decode()
    assert "Not computed yet" in html
    scope_compute(ScopeType.PRODUCT, product.pk)
    html = client.get(urls(product)["dashboard"]).content.decode()
    assert "Not computed yet" not in html
    assert 'data-empty-chart="nps"' in html and "No NPS answers yet." in html
    assert f'href="{urls(product)["survey"]}"' in html
    assert "No marketing spend yet." in html and f'href="{urls(product)["spend"]}"' in html
    assert "No usage events yet" in html and f"/imports/product-events/{product.pk}/" in html


def test_read_only_roles_are_told_who_enters_missing_data(client, people, product):
    scope_compute(ScopeType.PRODUCT, product.pk)
    login(client, people, "exec")
    html = client.get(urls(product)["dashboard"]).content.decode()
    assert "No NPS answers yet. A manager or product manager of the portfolio can enter it." in html
    assert urls(product)["survey"] not in html and "/imports/" not in html


def test_recompute_asks_for_the_products_snapshots(client, people, product):
    login(client, people, "product")
    MetricComputeRequest.objects.all().delete()  # the product's creation asked already
    response = client.post(urls(product)["recompute"])
    assert response.status_code == 302 and response.url == urls(product)["dashboard"]
    # The request waits for the commit (the test's transaction never commits), which enqueues the task.
    assert set(MetricComputeRequest.objects.values_list("scope_type", "scope_id")) == {
        ("product", product.pk),
        ("project", product.project_id),
    }


def test_project_fragment_shows_headlines_and_dau_of_each_product(client, people, product):
    fill(product, people, 2)
    services.product_create(actor=people["pm"], project=product.project, name="Empty one")
    login(client, people, "exec")
    response = client.get(urls(product)["fragment"], HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Fraud scorer" in html and "Empty one" in html
    assert f'data-chart="product-{product.pk}-active-users"' in html
    # htmx drops script tags from swapped content: the figure travels in a hidden element.
    assert f'<div hidden id="chart-product-{product.pk}-active-users-figure">' in html and "<script" not in html
    assert f'href="{urls(product)["fragment"]}?csv=product-{product.pk}-active-users"' in html
    csv = client.get(urls(product)["fragment"] + f"?csv=product-{product.pk}-active-users")
    assert csv.content.decode().splitlines()[0] == "period,dau (users),wau (users),mau (users),partial"


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_budget_is_the_same_for_5_and_50_batches(client, people, project):
    login(client, people, "exec")
    counts = {}
    for size in (5, 50):
        product = services.product_create(actor=people["pm"], project=project, name=f"P{size}")
        fill(product, people, size)
        counts[size] = (
            _queries(client, urls(product)["dashboard"]),
            _queries(client, urls(product)["list"]),
            _queries(client, urls(product)["fragment"]),
        )
    assert counts[5] == counts[50]
