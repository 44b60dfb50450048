"""Product snapshots on hand-built data: active users, feature usage, churn, conversion, revenue, surveys."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.formulas import product as formulas
from metrics.product import services
from metrics.product.computers.products import product_compute
from metrics.product.computers.series import rolling_active_users
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from metrics.snapshots.services import scope_compute

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

D = datetime.date
UTC = datetime.UTC


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def event(user: str, name: str, month: int, day: int, hour: int = 12) -> dict:
    return {"user_id": user, "name": name, "at": at(month, day, hour)}


@pytest.fixture
def product(project, people):
    return services.product_create(actor=people["product"], project=project, name="Fraud scorer")


def configure(product, people, steps=("login", "purchase"), window=30, core=()):
    services.product_funnel_update(
        actor=people["pm"], product=product, funnel_steps=list(steps), funnel_window_days=window,
        core_events=list(core),
    )  # fmt: skip


def values_of(product) -> dict:
    result = product_compute(product.pk)
    assert result is not None
    return {value.metric: value for value in result.values}


def monthly(value) -> dict:
    return {point["month"]: point["value"] for point in value.detail["monthly"]}


def test_active_users_match_the_formula_day_by_day(product, people):
    events = [
        event("u1", "login", 3, 1),
        event("u1", "score", 3, 2),
        event("u2", "login", 3, 2, 23),
        event("u3", "login", 3, 10),
        event("u3", "login", 3, 10, 13),  # same user, same day: one user-day
    ]
    services.product_events_add(actor=people["pm"], product=product, events=events)
    values = values_of(product)
    dau, wau, mau, sticky = (values[key] for key in ("dau", "wau", "mau", "stickiness"))
    # The span ends on the latest data day and starts on the first one.
    assert (dau.period_start, dau.period_end) == (D(2026, 3, 1), D(2026, 3, 10))
    expected = formulas.active_users_series(
        [formulas.ProductEvent(e["user_id"], e["name"], e["at"]) for e in events], D(2026, 3, 1), D(2026, 3, 10)
    )
    assert [v for _, v in dau.detail["daily"]] == [row.dau for row in expected] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert [v for _, v in wau.detail["daily"]] == [row.wau for row in expected] == [1, 2, 2, 2, 2, 2, 2, 2, 0, 1]
    assert [v for _, v in mau.detail["daily"]] == [row.mau for row in expected]
    assert [v for _, v in sticky.detail["daily"]] == [
        None if row.stickiness is None else round(row.stickiness, 4) for row in expected
    ]
    assert (dau.value, wau.value, mau.value, sticky.value) == (1.0, 1.0, 3.0, 1 / 3)
    assert dau.detail["daily"][0] == ["2026-03-01", 1]
    # Weekly points start on Mondays (2 March 2026 is one): DAU is the mean of the days, MAU the last day's value.
    assert dau.detail["weekly"] == [["2026-02-23", 1.0], ["2026-03-02", round(2 / 7, 4)], ["2026-03-09", 0.5]]
    assert mau.detail["weekly"] == [["2026-02-23", 1.0], ["2026-03-02", 2.0], ["2026-03-09", 3.0]]
    assert mau.detail["monthly"] == [["2026-03-01", 3.0]]


def test_rolling_window_counts_users_active_before_the_series():
    import pandas as pd

    user_days = pd.DataFrame({"user": ["a", "a", "b"], "day": [D(2026, 1, 1), D(2026, 1, 20), D(2026, 1, 25)]})
    series = rolling_active_users(user_days, D(2026, 1, 28), D(2026, 2, 20), 30)
    # a: last active 20 Jan -> counted through 18 Feb; b: 25 Jan -> through 23 Feb.
    assert series[pd.Timestamp("2026-01-28")] == 2
    assert series[pd.Timestamp("2026-02-18")] == 2
    assert series[pd.Timestamp("2026-02-19")] == 1
    assert series[pd.Timestamp("2026-02-20")] == 1


def test_churn_feature_usage_and_empty_months(product, people):
    configure(product, people, core=("score", "login"))
    services.product_events_add(
        actor=people["pm"],
        product=product,
        events=[
            event("u1", "login", 3, 1),
            event("u1", "score", 3, 1),
            event("u1", "score", 3, 2),
            event("u2", "login", 3, 3),
            event("u3", "login", 3, 4),
            event("u3", "score", 3, 5),
            event("u1", "login", 4, 2),
            # May: nobody. June: u1 and a new user.
            event("u1", "login", 6, 1),
            event("u4", "login", 6, 30),
        ],
    )
    values = values_of(product)
    churn = values["user_churn"]
    assert monthly(churn) == {
        "2026-03-01": None,  # nobody was active in February
        "2026-04-01": 2 / 3,  # u2, u3 left; u1 stayed
        "2026-05-01": 1.0,  # an empty month: everyone left
        "2026-06-01": None,  # nobody was active in May
    }
    assert churn.detail["monthly"][1] | {"value": None} == {
        "month": "2026-04-01", "value": None, "churned": 2, "previous_active": 3, "partial": False,
    }  # fmt: skip
    # The span ends on 30 June, so June is complete: the headline is the latest complete month with a value.
    assert (churn.value, churn.detail["headline_month"]) == (1.0, "2026-05-01")
    usage = values["feature_usage"]
    score = next(f for f in usage.detail["features"] if f["name"] == "score")
    # March: 3 active users, 2 scored (u1 twice, u3 once).
    assert score["points"] == [
        {
            "month": "2026-03-01",
            "usage": 2 / 3,
            "depth": 1.5,
            "adopters": 2,
            "eligible": 3,
            "events": 3,
            "partial": False,
        }
    ]
    login = next(f for f in usage.detail["features"] if f["name"] == "login")
    assert [(p["month"], p["usage"]) for p in login["points"]] == [
        ("2026-03-01", 1.0), ("2026-04-01", 1.0), ("2026-06-01", 1.0),
    ]  # fmt: skip
    assert (usage.value, usage.detail["headline_feature"], usage.detail["headline_month"]) == (
        1.0,
        "login",
        "2026-06-01",
    )


def test_one_customer_with_zero_churn_shows_the_historical_clv(product, people):
    pm = people["pm"]
    customer = services.customer_add(actor=pm, product=product, external_id="c1", acquired_on=D(2026, 3, 1))
    services.product_events_add(
        actor=pm, product=product, events=[event("c1", "login", 3, 1), event("c1", "login", 4, 1)]
    )
    services.order_add(actor=pm, customer=customer, placed_at=at(3, 3), revenue="100", gross_margin="0.5")
    services.order_add(actor=pm, customer=customer, placed_at=at(4, 3), revenue="60", gross_margin="0.5")
    services.order_add(actor=pm, customer=customer, placed_at=at(4, 20), revenue="40", gross_margin="0.25")
    services.marketing_spend_add(
        actor=pm, product=product, channel="ads", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31), amount=25
    )
    values = values_of(product)
    clv = values["clv"].detail["monthly"]
    # March: nobody was active before, churn unknown; April: c1 stayed, churn 0. CLV is undefined both months,
    # so the historical value shows: gross profit so far per paying customer.
    assert [(p["month"], p["value"], p["basis"]) for p in clv] == [
        ("2026-03-01", 50.0, "historical"),
        ("2026-04-01", 50.0 + 30.0 + 10.0, "historical"),
    ]
    assert clv[1]["churn"] == 0.0
    assert monthly(values["user_churn"]) == {"2026-03-01": None, "2026-04-01": 0.0}
    assert monthly(values["repurchase_rate"]) == {"2026-03-01": 0.0, "2026-04-01": 1.0}
    cac = values["cac"].detail["monthly"]
    assert [(p["value"], p.get("spend"), p.get("new_customers")) for p in cac] == [(25.0, 25.0, 1), (None, 0.0, 0)]
    assert monthly(values["clv_cac"]) == {"2026-03-01": 2.0, "2026-04-01": None}
    assert values["clv_cac"].detail["target"] == 3.0
    # No funnel is configured: no conversion rate (orders are not a funnel step; see test_funnel.py).
    conversion = values["conversion_rate"]
    assert (conversion.value, conversion.detail["steps"]) == (None, [])
    assert monthly(conversion) == {"2026-03-01": None, "2026-04-01": None}


def test_clv_from_the_formula_with_the_churn_of_paying_customers(product, people):
    """Revenue and churn of one population, paying customers; the churn of all active users plays no part."""
    pm = people["pm"]
    users = ("c1", "c2", "u3", "u4")
    services.product_events_add(
        actor=pm,
        product=product,
        events=[event(u, "login", 3, 1) for u in users] + [event(u, "login", 4, 1) for u in ("c1", "c2", "u3")],
    )
    customers = {
        c: services.customer_add(actor=pm, product=product, external_id=c, acquired_on=D(2026, 3, 1))
        for c in ("c1", "c2")
    }
    services.order_add(actor=pm, customer=customers["c1"], placed_at=at(3, 2), revenue="100", gross_margin="0.5")
    services.order_add(actor=pm, customer=customers["c2"], placed_at=at(3, 2), revenue="50", gross_margin="0.5")
    services.order_add(actor=pm, customer=customers["c1"], placed_at=at(4, 2), revenue="200", gross_margin="0.5")
    values = values_of(product)
    clv = values["clv"].detail["monthly"][1]
    # April: users churn 1/4 (u4 left), but customers churn 1/2 (c1, c2 ordered in March, only c1 in April).
    # Revenue per paying customer 200 / 1; margin 0.5 -> 200 x 0.5 / 0.5 = 200 (not 200 x 0.5 / 0.25 = 400).
    assert monthly(values["user_churn"])["2026-04-01"] == 0.25
    assert (clv["value"], clv["basis"], clv["churn"], clv["arpu"]) == (200.0, "formula", 0.5, 200.0)
    assert (clv["previous_customers"], clv["churned_customers"], clv["paying_customers"]) == (2, 1, 1)
    assert values["clv"].detail["population"] == "paying customers"
    assert (values["clv"].value, values["clv"].detail["headline_month"]) == (200.0, "2026-04-01")


@time_machine.travel(datetime.datetime(2026, 5, 5, 12, tzinfo=UTC), tick=False)
def test_surveys_per_month(product, people):
    pm = people["pm"]
    for kind, month, scores in [("nps", 3, [10, 9, 8, 3]), ("nps", 5, [0]), ("csat", 3, [5, 4, 2])]:
        for score in scores:
            services.survey_response_add(actor=pm, product=product, kind=kind, score=score, at=at(month, 5))
    values = values_of(product)
    assert monthly(values["nps"]) == {"2026-03-01": 25.0, "2026-04-01": None, "2026-05-01": -100.0}
    assert values["nps"].detail["monthly"][0]["responses"] == 4
    # May is in progress (today is 5 May): the headline is March, the latest complete month with a value.
    assert (values["nps"].value, values["nps"].detail["headline_month"]) == (25.0, "2026-03-01")
    assert values["csat"].value == pytest.approx(200 / 3)


def test_a_product_without_data_has_empty_series(product):
    values = values_of(product)
    assert values["dau"].value is None
    assert values["dau"].detail["has_events"] is False
    assert values["user_churn"].value is None
    assert values["feature_usage"].detail["features"] == []
    assert values["cac"].value is None


def test_scope_compute_upserts_and_a_deleted_product_loses_its_snapshots(product, people):
    services.product_events_add(actor=people["pm"], product=product, events=[event("u1", "login", 3, 1)])
    written = scope_compute(ScopeType.PRODUCT, product.pk)
    assert written == MetricSnapshot.objects.filter(scope_type="product", scope_id=product.pk).count() == 13
    assert scope_compute(ScopeType.PRODUCT, product.pk) == written  # idempotent
    dau = MetricSnapshot.objects.get(scope_type="product", scope_id=product.pk, metric="dau")
    assert (dau.value, dau.period, dau.project_id, dau.portfolio_id) == (
        1.0,
        "",
        product.project_id,
        product.project.portfolio_id,
    )
    product_id = product.pk
    product.delete()
    assert scope_compute(ScopeType.PRODUCT, product_id) == 0
    assert not MetricSnapshot.objects.filter(scope_type="product", scope_id=product_id).exists()


@pytest.mark.parametrize("batches", [1, 10])
def test_compute_runs_a_fixed_number_of_queries(product, people, batches, django_assert_num_queries):
    pm = people["pm"]
    configure(product, people, steps=("feature0", "feature1"), core=("feature0", "feature2"))
    for batch in range(batches):
        services.product_events_add(
            actor=pm,
            product=product,
            events=[event(f"u{batch}-{i}", f"feature{i % 3}", 3 + i % 3, 1 + batch) for i in range(20)],
        )
        customer = services.customer_add(actor=pm, product=product, external_id=f"c{batch}", acquired_on=D(2026, 3, 1))
        services.order_add(actor=pm, customer=customer, placed_at=at(3, 5), revenue="10", gross_margin="0.5")
        services.survey_response_add(actor=pm, product=product, kind="nps", score=batch, at=at(4, 5))
        services.marketing_spend_add(
            actor=pm, product=product, channel=f"ch{batch}", period_start=D(2026, 3, 1), period_end=D(2026, 3, 31),
            amount=5,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        product_compute(product.pk)
    # The product, user-days, core events, funnel entries, funnel steps, orders, new customers, spend, surveys.
    assert len(queries) == 9
