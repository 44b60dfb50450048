"""Product formulas on hand-computed examples and edge cases."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics.formulas import product as pr


def ev(user, name, day, hour=12, month=3):
    return pr.ProductEvent(user, name, datetime(2026, month, day, hour))


# u1 every day 1-3 Mar, u2 on 1 Mar, u3 on 3 Mar (a "page_view" only), u4 on 5 Feb (inside 30 days of 3 Mar? no:
# 3 Mar - 29 days = 2 Feb, so yes); u5 on 1 Feb (outside the 30-day window ending 3 Mar)
EVENTS = [
    ev("u1", "predict", 1),
    ev("u1", "predict", 2),
    ev("u1", "export", 3),
    ev("u1", "predict", 3),
    ev("u2", "predict", 1),
    ev("u3", "page_view", 3),
    ev("u4", "predict", 5, month=2),
    ev("u5", "predict", 1, month=2),
]


def test_dau_wau_mau_and_stickiness():
    day = date(2026, 3, 3)
    assert pr.daily_active_users(EVENTS, day) == 2  # u1, u3
    assert pr.daily_active_users(EVENTS, day, qualifying={"predict", "export"}) == 1  # page views do not qualify
    assert pr.weekly_active_users(EVENTS, day) == 3  # u1, u2, u3
    assert pr.monthly_active_users(EVENTS, day) == 4  # + u4; u5 is 30 days back, outside
    assert pr.stickiness(2, 4) == 0.5
    assert pr.stickiness(0, 0) is None
    with pytest.raises(ValueError):
        pr.active_users(EVENTS, day, window_days=0)


def test_active_users_series_fills_missing_days_with_zero():
    rows = pr.active_users_series(EVENTS, date(2026, 3, 3), date(2026, 3, 5))
    assert rows[0] == pr.ActiveUsersDay(date(2026, 3, 3), dau=2, wau=3, mau=4, stickiness=0.5)
    # 5 Mar: no events; WAU still u1, u2, u3; MAU: u4 (5 Feb) still within 30 days of 5 Mar? 5 Mar - 29 = 4 Feb: yes
    assert rows[2] == pr.ActiveUsersDay(date(2026, 3, 5), dau=0, wau=3, mau=4, stickiness=0.0)
    with pytest.raises(ValueError):
        pr.active_users_series(EVENTS, date(2026, 3, 5), date(2026, 3, 3))


def test_feature_usage_and_depth():
    # window 1-3 Mar: active u1, u2, u3 (all events qualify); adopters of "predict": u1, u2 -> 2/3
    # depth: predict events u1 x3 + u2 x1 = 4 over 2 adopters = 2
    usage = pr.feature_usage(EVENTS, "predict", date(2026, 3, 1), date(2026, 3, 3))
    assert usage == pr.FeatureUsage(adopters=2, eligible=3, usage=2 / 3, depth=2.0)
    nobody = pr.feature_usage(EVENTS, "predict", date(2026, 4, 1), date(2026, 4, 30))
    assert nobody == pr.FeatureUsage(0, 0, None, None)


def test_user_churn():
    # previous u1 u2 u3 u4; current u1 u3 u9 -> churned u2 u4 = 2/4; the new u9 does not offset churn
    assert pr.user_churn({"u1", "u2", "u3", "u4"}, {"u1", "u3", "u9"}) == 0.5
    assert pr.user_churn(set(), {"u1"}) is None
    assert pr.user_churn({"u1"}, {"u1"}) == 0


def test_conversion_within_window():
    start = datetime(2026, 3, 1, 9)
    events = [
        pr.ProductEvent("a", "signup", start),
        pr.ProductEvent("a", "purchase", start + timedelta(days=2)),  # within 7 days
        pr.ProductEvent("b", "signup", start),
        pr.ProductEvent("b", "purchase", start + timedelta(days=8)),  # too late
        pr.ProductEvent("c", "purchase", start - timedelta(days=1)),  # before entering: not a conversion
        pr.ProductEvent("c", "signup", start),
        pr.ProductEvent("d", "signup", start + timedelta(days=1)),
        pr.ProductEvent("d", "signup", start),  # first entry counts
        pr.ProductEvent("d", "purchase", start + timedelta(days=7)),  # exactly at the window's end: counts
        pr.ProductEvent("e", "purchase", start),  # never entered: not in the denominator
    ]
    # converted a, d out of a, b, c, d = 2/4
    assert pr.conversion_rate(events, ["signup", "purchase"], timedelta(days=7)) == 0.5
    assert pr.conversion_rate([], ["signup", "purchase"], timedelta(days=7)) is None
    with pytest.raises(ValueError):
        pr.conversion_rate(events, ["signup", "purchase"], timedelta(days=-1))
    with pytest.raises(ValueError):
        pr.conversion_rate(events, ["signup", "purchase"], timedelta(0))
    for steps in (["signup"], ["signup", "signup"], []):
        with pytest.raises(ValueError):
            pr.conversion_rate(events, steps, timedelta(days=7))


def test_funnel_steps_are_taken_in_order_within_the_window():
    start = datetime(2026, 3, 1, 9)
    day = timedelta(days=1)
    events = [
        # a: signup -> cart -> purchase in order, all within 3 days: converted.
        pr.ProductEvent("a", "signup", start),
        pr.ProductEvent("a", "cart", start + day),
        pr.ProductEvent("a", "purchase", start + 2 * day),
        # b: purchase before cart: reaches cart but not purchase (steps in order).
        pr.ProductEvent("b", "signup", start),
        pr.ProductEvent("b", "purchase", start + day),
        pr.ProductEvent("b", "cart", start + 2 * day),
        # c: cart in the window, purchase after it closes (entry + 3 days): reaches cart only.
        pr.ProductEvent("c", "signup", start),
        pr.ProductEvent("c", "cart", start + day),
        pr.ProductEvent("c", "purchase", start + 3 * day + timedelta(minutes=1)),
        # d: enters only.
        pr.ProductEvent("d", "signup", start),
    ]
    result = pr.funnel(events, ["signup", "cart", "purchase"], timedelta(days=3))
    assert result.reached == (4, 3, 1)
    assert (result.entered, result.converted, result.rate) == (4, 1, 0.25)
    assert result.too_few  # 4 < MIN_CONVERSION_COHORT
    assert pr.MIN_CONVERSION_COHORT == 20


def test_customer_churn_counts_paying_customers_of_the_previous_period():
    # ordered last period c1 c2 c3; this period c1 c9 -> churned c2 c3 = 2/3; the new c9 does not offset it
    assert pr.customer_churn({"c1", "c2", "c3"}, {"c1", "c9"}) == pytest.approx(2 / 3)
    assert pr.customer_churn(set(), {"c1"}) is None


def test_repurchase_rate():
    orders = [
        pr.Order("c1", date(2026, 3, 1), 10),
        pr.Order("c1", date(2026, 3, 9), 10),
        pr.Order("c2", date(2026, 3, 2), 10),
        pr.Order("c2", date(2026, 4, 2), 10),  # outside the window
        pr.Order("c3", date(2026, 3, 5), 10),
    ]
    # c1 twice; c2 and c3 once in March -> 1/3
    assert pr.repurchase_rate(orders, date(2026, 3, 1), date(2026, 3, 31)) == 1 / 3
    assert pr.repurchase_rate(orders, date(2025, 1, 1), date(2025, 1, 31)) is None
    with pytest.raises(ValueError):
        pr.Order("c1", date(2026, 3, 1), -5)


def test_cac_from_spend_by_channel():
    spend = [
        pr.MarketingSpend("ads", date(2026, 3, 1), 3000),
        pr.MarketingSpend("events", date(2026, 3, 1), 1500),
        pr.MarketingSpend("ads", date(2026, 4, 1), 9999),  # another period
    ]
    total = pr.spend_in_period(spend, date(2026, 3, 1), date(2026, 3, 31))
    assert total == 4500
    assert pr.customer_acquisition_cost(total, 30) == 150  # 4,500 / 30
    assert pr.customer_acquisition_cost(total, 0) is None
    with pytest.raises(ValueError):
        pr.customer_acquisition_cost(total, -1)
    with pytest.raises(ValueError):
        pr.customer_acquisition_cost(-1, 10)


def test_clv_and_ratio():
    # 100 x 0.6 / 0.05 = 1,200; 1,200 / 150 = 8
    clv = pr.customer_lifetime_value(100, 0.6, 0.05)
    assert clv == pytest.approx(1200)
    assert pr.clv_to_cac(1200, 150) == 8
    assert pr.clv_to_cac(None, 150) is None
    assert pr.clv_to_cac(1200, 0) is None


def test_clv_undefined_at_zero_churn():
    assert pr.customer_lifetime_value(100, 0.6, 0) is None
    assert pr.customer_lifetime_value(100, 0.6, None) is None
    with pytest.raises(ValueError):
        pr.customer_lifetime_value(100, 1.5, 0.1)  # margin above 100 %
    with pytest.raises(ValueError):
        pr.customer_lifetime_value(100, 0.5, 2)  # churn above 100 %


def test_nps():
    # promoters 9, 10, 10 = 3; passives 7, 8 = 2; detractors 0, 6 = 2; n = 7: (3 - 2) x 100 / 7
    assert pr.net_promoter_score([9, 10, 10, 7, 8, 0, 6]) == pytest.approx(100 / 7)
    assert pr.net_promoter_score([10, 10]) == 100
    assert pr.net_promoter_score([0]) == -100
    assert pr.net_promoter_score([]) is None
    for bad in (11, -1, 7.5, True):
        with pytest.raises(ValueError):
            pr.net_promoter_score([bad])


def test_csat():
    # 4, 5, 5 satisfied of 5 answers -> 60
    assert pr.customer_satisfaction([4, 5, 5, 1, 3]) == 60
    assert pr.customer_satisfaction([]) is None
    with pytest.raises(ValueError):
        pr.customer_satisfaction([0])


@given(st.lists(st.integers(0, 10), min_size=1))
def test_nps_always_within_bounds(scores):
    assert -100 <= pr.net_promoter_score(scores) <= 100


@given(st.lists(st.integers(1, 5), min_size=1))
def test_csat_always_a_percentage(scores):
    assert 0 <= pr.customer_satisfaction(scores) <= 100


@given(st.sets(st.integers(0, 30)), st.sets(st.integers(0, 30)))
def test_churn_is_a_share(previous, current):
    churn = pr.user_churn({str(u) for u in previous}, {str(u) for u in current})
    assert churn is None if not previous else 0 <= churn <= 1
