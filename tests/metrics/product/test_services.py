"""Product input services and adapters: permissions, all-or-nothing bulk events, and formula results on
data built through the services."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import AuditRecord
from metrics.formulas import product as formulas
from metrics.product import adapters, services
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from portal.exceptions import NotAllowed, ValidationFailed
from tests.metrics.inputs_helpers import audit_actions, refused

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date
UTC = datetime.UTC


def at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def product(project, people):
    return services.product_create(actor=people["product"], project=project, name="Fraud scorer")


def test_product_create_by_managers_and_product_managers(project, people):
    by_pm = services.product_create(actor=people["pm"], project=project, name="A")
    by_product = services.product_create(actor=people["product"], project=project, name=" B ")
    assert [p.name for p in Product.objects.order_by("name")] == ["A", "B"]
    assert (by_pm.project, by_product.project) == (project, project)
    assert audit_actions(project)[-2:] == ["product.create", "product.create"]


@pytest.mark.parametrize("who", ["exec", "ds", "architect", "outsider"])
def test_product_create_refused_to_others(project, people, who):
    with refused(NotAllowed):
        services.product_create(actor=people[who], project=project, name="A")


def test_product_create_refuses_a_duplicate_name(product, people):
    with refused(ValidationFailed) as caught:
        services.product_create(actor=people["pm"], project=product.project, name="Fraud scorer")
    assert caught.value.details == {"name": "The project already has a product named 'Fraud scorer'."}


def test_product_events_add_stores_all_and_audits_once(product, people):
    count = services.product_events_add(
        actor=people["product"],
        product=product,
        events=[
            {"user_id": "u1", "name": "score", "at": at(2), "properties": {"model": "v3"}},
            {"user_id": "u2", "name": "login", "at": "2026-03-02T08:00:00+00:00"},
            {"user_id": "u1", "name": "login", "at": "2026-03-03T09:30:00"},  # naive: the portal's zone (UTC)
        ],
    )
    assert count == 3
    assert list(ProductEvent.objects.order_by("at").values_list("user_id", "name", "at", "properties")) == [
        ("u2", "login", at(2, 8), {}),
        ("u1", "score", at(2), {"model": "v3"}),
        ("u1", "login", datetime.datetime(2026, 3, 3, 9, 30, tzinfo=UTC), {}),
    ]
    record = AuditRecord.objects.get(action="product_event.bulk_add")
    assert record.after == {"count": 3, "first_at": "2026-03-02T08:00:00Z", "last_at": "2026-03-03T09:30:00Z"}


def test_product_events_add_is_all_or_nothing(product, people):
    events = [
        {"user_id": "u1", "name": "score", "at": at(2)},
        {"user_id": "", "name": "score", "at": "yesterday"},
        {"user_id": "u3", "name": "score", "at": at(2), "properties": [1], "extra": 1},
        "not an object",
    ]
    with refused(ValidationFailed) as caught:
        services.product_events_add(actor=people["pm"], product=product, events=events)
    assert caught.value.message == "3 of 4 events are invalid; nothing was stored."
    assert caught.value.details == {
        "invalid_rows": 3,
        "rows": {
            1: {"user_id": "Required.", "at": "Not a date and time (ISO 8601): 'yesterday'."},
            2: {"row": "Unknown fields: extra.", "properties": "An object of event properties."},
            3: {"row": "Each event is an object with user_id, name, at and optional properties."},
        },
    }
    with refused(ValidationFailed):
        services.product_events_add(actor=people["pm"], product=product, events=[])
    with refused(NotAllowed):
        services.product_events_add(
            actor=people["ds"], product=product, events=[{"user_id": "u1", "name": "x", "at": at(2)}]
        )


def test_customers_orders_spend_and_surveys(product, people):
    customer = services.customer_add(
        actor=people["product"], product=product, external_id="C-1", acquired_on=D(2026, 3, 1), channel="ads"
    )
    order = services.order_add(
        actor=people["product"], customer=customer, placed_at=at(5), revenue="120.00", gross_margin="0.4"
    )
    spend = services.marketing_spend_add(
        actor=people["pm"],
        product=product,
        channel="ads",
        period_start=D(2026, 3, 1),
        period_end=D(2026, 3, 31),
        amount=500,
    )
    nps = services.survey_response_add(actor=people["product"], product=product, kind="nps", score=9, at=at(6))
    csat = services.survey_response_add(actor=people["product"], product=product, kind="csat", score="4", at=at(6))
    assert (order.revenue, order.gross_margin) == (Decimal("120.00"), Decimal("0.4000"))
    assert (spend.amount, nps.score, csat.score) == (Decimal("500.00"), 9, 4)
    assert audit_actions(product.project)[-5:] == [
        "customer.add",
        "order.add",
        "marketing_spend.add",
        "survey_response.add",
        "survey_response.add",
    ]


def test_product_input_refusals(product, people):
    customer = services.customer_add(actor=people["pm"], product=product, external_id="C-1", acquired_on=D(2026, 3, 3))
    with refused(NotAllowed):
        services.customer_add(actor=people["ds"], product=product, external_id="C-2", acquired_on=D(2026, 3, 3))
    with refused(ValidationFailed) as caught:
        services.customer_add(actor=people["pm"], product=product, external_id="C-1", acquired_on="soon")
    assert caught.value.details == {
        "acquired_on": "Not a date (YYYY-MM-DD): 'soon'.",
        "external_id": "The product already has a customer 'C-1'.",
    }
    with refused(NotAllowed):
        services.order_add(actor=people["exec"], customer=customer, placed_at=at(5), revenue=1, gross_margin=0.5)
    with refused(ValidationFailed) as caught:
        services.order_add(actor=people["pm"], customer=customer, placed_at=at(2), revenue=-1, gross_margin="1.5")
    assert caught.value.details == {
        "revenue": "Must be at least 0.",
        "gross_margin": "Must be at most 1.",
        "placed_at": "The customer was acquired on 2026-03-03, after this order.",
    }
    with refused(ValidationFailed) as caught:
        services.marketing_spend_add(
            actor=people["pm"], product=product, channel="ads", period_start=D(2026, 3, 31), period_end=D(2026, 3, 1),
            amount=-5,
        )  # fmt: skip
    assert caught.value.details == {
        "period_end": "The period ends (2026-03-01) before it starts (2026-03-31).",
        "amount": "Must be at least 0.",
    }
    services.marketing_spend_add(
        actor=people["pm"], product=product, channel="ads", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31),
        amount=5,
    )  # fmt: skip
    with refused(ValidationFailed) as caught:
        services.marketing_spend_add(
            actor=people["pm"], product=product, channel="ads", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31),
            amount=5,
        )  # fmt: skip
    assert caught.value.details == {"period_start": "Spend for 'ads' starting 2026-03-01 is already recorded."}
    for kind, score, message in [
        ("nps", 11, "A NPS score is a whole number from 0 to 10."),
        ("csat", 0, "A CSAT score is a whole number from 1 to 5."),
        ("csat", 4.5, "A CSAT score is a whole number from 1 to 5."),
        ("csat", True, "A CSAT score is a whole number from 1 to 5."),
    ]:
        with refused(ValidationFailed) as caught:
            services.survey_response_add(actor=people["pm"], product=product, kind=kind, score=score, at=at(2))
        assert caught.value.details == {"score": message}
    with refused(ValidationFailed) as caught:
        services.survey_response_add(actor=people["pm"], product=product, kind="ces", score=3, at=at(2))
    assert caught.value.details == {"kind": "One of nps, csat."}
    with refused(NotAllowed):
        services.survey_response_add(actor=people["architect"], product=product, kind="nps", score=3, at=at(2))
    assert (Customer.objects.count(), Order.objects.count(), MarketingSpend.objects.count()) == (1, 0, 1)
    assert SurveyResponse.objects.count() == 0


# --- adapters -------------------------------------------------------------------------------------------------


def test_product_adapters_feed_the_formulas_hand_computed(product, people):
    pm = people["product"]
    services.product_events_add(
        actor=pm,
        product=product,
        events=[
            {"user_id": "u1", "name": "login", "at": at(1)},
            {"user_id": "u2", "name": "login", "at": at(1)},
            {"user_id": "u1", "name": "score", "at": at(2)},
            {"user_id": "u3", "name": "login", "at": at(2)},
            {"user_id": "u3", "name": "score", "at": at(2, 13)},
            {"user_id": "u4", "name": "login", "at": at(9)},  # outside the window below
        ],
    )
    events = adapters.product_events(product, D(2026, 3, 1), D(2026, 3, 2))
    assert [(e.user, e.name, e.at) for e in events] == [
        ("u1", "login", at(1)),
        ("u2", "login", at(1)),
        ("u1", "score", at(2)),
        ("u3", "login", at(2)),
        ("u3", "score", at(2, 13)),
    ]
    assert all(isinstance(e, formulas.ProductEvent) for e in events)
    assert formulas.daily_active_users(events, D(2026, 3, 2)) == 2  # u1, u3
    assert formulas.weekly_active_users(events, D(2026, 3, 2)) == 3
    usage = formulas.feature_usage(events, "score", D(2026, 3, 1), D(2026, 3, 2))
    assert (usage.adopters, usage.eligible, usage.usage, usage.depth) == (2, 3, 2 / 3, 1.0)
    assert [e.name for e in adapters.product_events(product, D(2026, 3, 1), D(2026, 3, 31), names={"score"})] == [
        "score",
        "score",
    ]

    c1 = services.customer_add(actor=pm, product=product, external_id="C-1", acquired_on=D(2026, 3, 1))
    c2 = services.customer_add(actor=pm, product=product, external_id="C-2", acquired_on=D(2026, 3, 2))
    services.customer_add(actor=pm, product=product, external_id="C-3", acquired_on=D(2026, 4, 2))
    for customer, day, revenue, margin in [(c1, 3, 100, "0.5"), (c1, 10, 50, "0.5"), (c2, 4, 200, "0.25")]:
        services.order_add(actor=pm, customer=customer, placed_at=at(day), revenue=revenue, gross_margin=margin)
    orders = adapters.orders(product, D(2026, 3, 1), D(2026, 3, 31))
    assert orders == [
        formulas.Order("C-1", D(2026, 3, 3), Decimal("100.00")),
        formulas.Order("C-2", D(2026, 3, 4), Decimal("200.00")),
        formulas.Order("C-1", D(2026, 3, 10), Decimal("50.00")),
    ]
    assert formulas.repurchase_rate(orders, D(2026, 3, 1), D(2026, 3, 31)) == 0.5
    summary = adapters.revenue_summary(product, D(2026, 3, 1), D(2026, 3, 31))
    # revenue 350; gross profit 100*0.5 + 50*0.5 + 200*0.25 = 125; 2 paying customers.
    assert (summary.revenue, summary.gross_profit, summary.paying_customers) == (Decimal("350.00"), Decimal(125), 2)
    assert summary.gross_margin == 125 / 350
    assert summary.average_revenue_per_customer == 175.0

    services.marketing_spend_add(
        actor=pm, product=product, channel="ads", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31), amount=300
    )
    services.marketing_spend_add(
        actor=pm, product=product, channel="events", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31), amount=100
    )
    spend = formulas.spend_in_period(adapters.marketing_spend(product), D(2026, 3, 1), D(2026, 3, 31))
    new = adapters.new_customer_count(product, D(2026, 3, 1), D(2026, 3, 31))
    assert (spend, new, formulas.customer_acquisition_cost(spend, new)) == (400.0, 2, 200.0)

    for kind, scores in [("nps", [10, 9, 8, 3]), ("csat", [5, 4, 2])]:
        for score in scores:
            services.survey_response_add(actor=pm, product=product, kind=kind, score=score, at=at(5))
    assert formulas.net_promoter_score(adapters.survey_scores(product, "nps", D(2026, 3, 1), D(2026, 3, 31))) == 25.0
    csat = formulas.customer_satisfaction(adapters.survey_scores(product, "csat", D(2026, 3, 1), D(2026, 3, 31)))
    assert csat == pytest.approx(200 / 3)


def test_product_events_adapter_counts_local_days(product, people, settings):
    settings.TIME_ZONE = "Europe/Paris"
    services.product_events_add(
        actor=people["pm"],
        product=product,
        events=[{"user_id": "u1", "name": "login", "at": datetime.datetime(2026, 3, 1, 23, 30, tzinfo=UTC)}],
    )
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris.
    assert adapters.product_events(product, D(2026, 3, 1), D(2026, 3, 1)) == []
    [event] = adapters.product_events(product, D(2026, 3, 2), D(2026, 3, 2))
    assert formulas.daily_active_users([event], D(2026, 3, 2)) == 1


@pytest.mark.parametrize("rows", [5, 50])
def test_product_adapters_use_one_query_each_whatever_the_volume(product, people, rows):
    pm = people["pm"]
    services.product_events_add(
        actor=pm,
        product=product,
        events=[{"user_id": f"u{i}", "name": "login", "at": at(1 + i % 28)} for i in range(rows)],
    )
    for i in range(rows):
        customer = services.customer_add(actor=pm, product=product, external_id=f"C{i}", acquired_on=D(2026, 3, 1))
        services.order_add(actor=pm, customer=customer, placed_at=at(2), revenue=10, gross_margin="0.5")
        services.survey_response_add(actor=pm, product=product, kind="nps", score=i % 11, at=at(2))
    calls = [
        lambda: adapters.product_events(product, D(2026, 3, 1), D(2026, 3, 31)),
        lambda: adapters.orders(product, D(2026, 3, 1), D(2026, 3, 31)),
        lambda: adapters.survey_scores(product, "nps", D(2026, 3, 1), D(2026, 3, 31)),
        lambda: adapters.revenue_summary(product, D(2026, 3, 1), D(2026, 3, 31)),
        lambda: adapters.marketing_spend(product),
        lambda: adapters.new_customer_count(product, D(2026, 3, 1), D(2026, 3, 31)),
    ]
    for call in calls:
        with CaptureQueriesContext(connection) as queries:
            call()
        assert len(queries) == 1
    assert len(adapters.product_events(product, D(2026, 3, 1), D(2026, 3, 31))) == rows
