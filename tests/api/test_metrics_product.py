"""Product data through the API: products, bulk events (all or nothing), customers, orders, spend, surveys;
written by managers and product managers, read by every member."""

import pytest

from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from tests.api.metrics_world import api_refused, build_product

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def shop(project, people):
    return build_product(project, people)


def _cases(project, shop):
    product, customer = shop["product"].pk, shop["customer"].pk
    return {
        "product": ("/api/v1/products/", {"project": project.pk, "name": "Ranker"}, Product),
        "customer": (
            "/api/v1/customers/",
            {"product": product, "external_id": "C-9", "acquired_on": "2026-03-05", "channel": "ads"},
            Customer,
        ),
        "order": (
            "/api/v1/orders/",
            {"customer": customer, "placed_at": "2026-03-06T10:00:00Z", "revenue": "80", "gross_margin": "0.3"},
            Order,
        ),
        "spend": (
            "/api/v1/marketing-spend/",
            {
                "product": product,
                "channel": "social",
                "period_start": "2026-03-01",
                "period_end": "2026-03-31",
                "amount": "75",
            },
            MarketingSpend,
        ),
        "survey": (
            "/api/v1/survey-responses/",
            {"product": product, "kind": "csat", "score": 4, "at": "2026-03-07T10:00:00Z"},
            SurveyResponse,
        ),
    }


@pytest.mark.parametrize("case", ["product", "customer", "order", "spend", "survey"])
@pytest.mark.parametrize("role", ["pm", "product", "exec", "ds", "architect"])
def test_product_data_is_written_by_managers_and_product_managers(project, shop, client_for, case, role):
    url, payload, model = _cases(project, shop)[case]
    before = model.objects.count()
    if role not in ("pm", "product"):
        api_refused(lambda: client_for(role).post(url, payload, format="json"), 403)
        return
    response = client_for(role).post(url, payload, format="json")
    assert response.status_code == 201, response.content
    assert model.objects.count() == before + 1
    listed = client_for("ds").get(url).json()["results"]
    assert response.json()["id"] in {row["id"] for row in listed}


@pytest.mark.parametrize("case", ["customer", "order", "spend", "survey"])
def test_an_outsider_names_no_product_of_ours(project, shop, client_for, case):
    url, payload, _model = _cases(project, shop)[case]
    body = api_refused(lambda: client_for("outsider").post(url, payload, format="json"), 400).json()
    assert set(body["errors"]) & {"product", "customer"}
    assert client_for("outsider").get(url).json()["results"] == []


def test_survey_score_out_of_the_kinds_range_is_refused(project, shop, client_for):
    url, payload, _model = _cases(project, shop)["survey"]
    body = api_refused(lambda: client_for("pm").post(url, {**payload, "score": 9}, format="json"), 400).json()
    assert body["errors"] == {"score": "A CSAT score is a whole number from 1 to 5."}


def test_events_bulk_all_or_nothing(shop, client_for):
    url = f"/api/v1/products/{shop['product'].pk}/events/"
    good = [
        {"user_id": "u7", "name": "login", "at": "2026-03-05T08:00:00Z", "properties": {"plan": "pro"}},
        {"user_id": "u8", "name": "score", "at": "2026-03-05T09:00:00+01:00"},
    ]
    bad = [*good, {"user_id": "u9", "name": "score", "at": "yesterday"}]
    body = api_refused(lambda: client_for("product").post(url, bad, format="json"), 400).json()
    assert body["errors"] == {"2": {"at": ["Datetime has wrong format. Use one of these formats instead: "
                                       "YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."]}}  # fmt: skip
    api_refused(lambda: client_for("product").post(url, [], format="json"), 400)
    api_refused(lambda: client_for("product").post(url, {"user_id": "u1"}, format="json"), 400)
    api_refused(lambda: client_for("ds").post(url, good, format="json"), 403)
    api_refused(lambda: client_for("outsider").post(url, good, format="json"), 404)
    stored = client_for("product").post(url, good, format="json")
    assert (stored.status_code, stored.json()) == (201, {"stored": 2})
    assert ProductEvent.objects.filter(product=shop["product"]).count() == 3
    logins = client_for("exec").get(url, {"name": "login"}).json()["results"]
    assert [(e["user_id"], e["properties"]) for e in logins] == [("u7", {"plan": "pro"})]
    assert client_for("outsider").get(url).status_code == 404


def test_order_before_the_customer_was_acquired_is_refused(project, shop, client_for):
    url, payload, _model = _cases(project, shop)["order"]
    early = {**payload, "placed_at": "2026-02-01T10:00:00Z"}
    body = api_refused(lambda: client_for("pm").post(url, early, format="json"), 400).json()
    assert "placed_at" in body["errors"]


def test_lists_filter_by_product(project, people, shop, client_for):
    other = build_product(project, people, suffix="-2")
    client = client_for("exec")
    customers = client.get("/api/v1/customers/", {"product": other["product"].pk}).json()["results"]
    assert [row["external_id"] for row in customers] == ["C-1-2"]
    orders = client.get("/api/v1/orders/", {"product": shop["product"].pk}).json()["results"]
    assert [row["id"] for row in orders] == [shop["order"].pk]
    products = client.get("/api/v1/products/", {"project": project.pk}).json()["results"]
    assert [row["name"] for row in products] == ["Scorer", "Scorer-2"]
    assert client.get("/api/v1/products/", {"project": "x"}).status_code == 400


def _funnel_state(product):
    from lifecycle.models import AuditRecord

    product.refresh_from_db()
    return (product.funnel_steps, product.funnel_window_days, product.core_events, AuditRecord.objects.count())


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"funnel_steps": [], "funnel_window_days": 7},
         {"funnel_steps": "At least 2 event names: the entry step first, the conversion step last."}),
        ({"funnel_steps": ["signup"], "funnel_window_days": 7},
         {"funnel_steps": "At least 2 event names: the entry step first, the conversion step last."}),
        ({"funnel_steps": ["signup", "buy", "signup"], "funnel_window_days": 7},
         {"funnel_steps": "Each event name appears once; repeated: signup."}),
        ({"funnel_steps": ["signup", " "], "funnel_window_days": 7},
         {"funnel_steps": "Every entry is an event name (non-blank text)."}),
        ({"funnel_steps": ["signup", "buy"], "funnel_window_days": 0}, {"funnel_window_days": "From 1 to 365 days."}),
        ({"funnel_steps": ["signup", "buy"], "funnel_window_days": -3}, {"funnel_window_days": "From 1 to 365 days."}),
        ({"funnel_steps": ["signup", "buy"], "funnel_window_days": 7, "core_events": ["score", "score"]},
         {"core_events": "Each event name appears once; repeated: score."}),
    ],
)  # fmt: skip
def test_a_bad_funnel_is_refused_with_its_reason_and_nothing_is_written(shop, client_for, payload, errors):
    product = shop["product"]
    before = _funnel_state(product)
    url = f"/api/v1/products/{product.pk}/funnel/"
    body = api_refused(lambda: client_for("product").put(url, payload, format="json"), 400).json()
    assert body["detail"] == "The funnel is invalid; nothing was changed."
    assert body["errors"] == errors
    assert _funnel_state(product) == before


def test_the_funnel_is_set_by_writers_audited_and_read_by_members(shop, client_for):
    from lifecycle.models import AuditRecord

    product = shop["product"]
    url = f"/api/v1/products/{product.pk}/funnel/"
    payload = {"funnel_steps": ["signup", "checkout", "purchase"], "funnel_window_days": 14, "core_events": ["score"]}
    api_refused(lambda: client_for("ds").put(url, payload, format="json"), 403)
    api_refused(lambda: client_for("outsider").put(url, payload, format="json"), 404)
    assert client_for("outsider").get(url).status_code == 404
    response = client_for("product").put(url, payload, format="json")
    assert (response.status_code, response.json()) == (200, payload)
    assert client_for("exec").get(url).json() == payload
    assert client_for("exec").get(f"/api/v1/products/{product.pk}/").json()["funnel_steps"] == payload["funnel_steps"]
    record = AuditRecord.objects.filter(action="product.funnel_update").get()
    assert record.before == {"funnel_steps": [], "funnel_window_days": 30, "core_events": []}
    assert record.after == payload
    # The same funnel again changes nothing and leaves no second record.
    assert client_for("product").put(url, payload, format="json").status_code == 200
    assert AuditRecord.objects.filter(action="product.funnel_update").count() == 1
