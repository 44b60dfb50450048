"""Conversion through the product's configured funnel (steps in order, a window, monthly cohorts, a minimum cohort
size), feature usage of the configured core events only, and the funnel settings page."""

import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import time_machine
from django.urls import reverse

from lifecycle.models import AuditRecord
from metrics.dashboards.product import MONTHLY_CHARTS, EntryLinks, feature_usage_chart, monthly_chart
from metrics.formulas.product import MIN_CONVERSION_COHORT
from metrics.product import services
from metrics.product.computers.products import product_compute
from metrics.product.models import ProductEvent
from metrics.product.selectors import headlines, product_snapshots
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture(autouse=True)
def mid_day():
    """Mid-day on 3 December 2026: November's cohort still has open windows, October's are closed."""
    with time_machine.travel(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC), tick=False):
        yield


UTC = datetime.UTC
STEPS = ["signup", "cart", "purchase"]


def at(month: int, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def product(project, people):
    product = services.product_create(actor=people["product"], project=project, name="Fraud scorer")
    services.product_funnel_update(
        actor=people["pm"], product=product, funnel_steps=STEPS, funnel_window_days=7, core_events=["score"]
    )
    return product


def journey(user: str, month: int, day: int, *steps: tuple[str, float]) -> list[dict]:
    """A signup on (month, day) at 10:00, then each (step, days after the signup)."""
    start = at(month, day)
    return [{"user_id": user, "name": "signup", "at": start}] + [
        {"user_id": user, "name": name, "at": start + datetime.timedelta(days=after)} for name, after in steps
    ]


def october_cohort() -> list[dict]:
    """25 users sign up in October: 10 convert, 5 stop at the cart, 2 buy too late, 3 buy without a cart, 5 stop."""
    events: list[dict] = []
    for n in range(10):
        events += journey(f"ok{n}", 10, 1 + n, ("cart", 1), ("purchase", 2))
    for n in range(5):
        events += journey(f"cart{n}", 10, 12 + n, ("cart", 1))
    for n in range(2):
        events += journey(f"late{n}", 10, 20 + n, ("cart", 1), ("purchase", 8))  # after the 7-day window
    for n in range(3):
        events += journey(f"skip{n}", 10, 23 + n, ("purchase", 1))  # the cart step is skipped: not converted
    for n in range(5):
        events += journey(f"gone{n}", 10, 26 + n)
    return events


def compute(product) -> dict:
    result = product_compute(product.pk)
    assert result is not None
    return {value.metric: value for value in result.values}


def test_conversion_per_cohort_follows_the_steps_in_order_within_the_window(product, people):
    events = october_cohort()
    events += journey("ok0", 11, 2, ("cart", 1), ("purchase", 1))  # signs up again: entered in October only
    events += journey("nov0", 11, 28, ("cart", 1), ("purchase", 1))
    events += [{"user_id": "ok0", "name": "score", "at": at(10, 2)}]
    services.product_events_add(actor=people["pm"], product=product, events=events)
    conversion = compute(product)["conversion_rate"]
    points = {p["month"]: p for p in conversion.detail["monthly"]}
    october = points["2026-10-01"]
    # Entered 25; cart reached by ok (10), cart (5), late (2) = 17; purchase within 7 days in order: ok (10).
    assert (october["entered"], october["reached"], october["converted"]) == (25, [25, 17, 10], 10)
    assert (october["value"], october["too_few"], october["window_open"], october["partial"]) == (
        0.4, False, False, False,
    )  # fmt: skip
    november = points["2026-11-01"]
    # One entrant (ok0 entered in October); 28 Nov + 7 days is after today: the cohort is still partial.
    assert (november["entered"], november["too_few"], november["window_open"], november["partial"]) == (
        1, True, True, True,
    )  # fmt: skip
    assert (conversion.value, conversion.detail["headline_month"]) == (0.4, "2026-10-01")
    assert (conversion.detail["steps"], conversion.detail["window_days"]) == (STEPS, 7)
    assert conversion.detail["min_cohort"] == MIN_CONVERSION_COHORT == 20


def test_conversion_by_pandas_straight_from_the_events(product, people):
    """The October rate again, computed independently from the event table."""
    services.product_events_add(actor=people["pm"], product=product, events=october_cohort())
    frame = pd.DataFrame.from_records(ProductEvent.objects.values("user_id", "name", "at"))
    first = frame[frame["name"] == "signup"].groupby("user_id")["at"].min()
    converted = 0
    for user, entered in first.items():
        mine = frame[(frame["user_id"] == user) & (frame["at"] <= entered + pd.Timedelta(days=7))]
        carts = mine[(mine["name"] == "cart") & (mine["at"] >= entered)]["at"]
        buys = mine[mine["name"] == "purchase"]["at"]
        converted += bool(len(carts)) and bool((buys >= carts.min()).any())
    expected = converted / len(first)
    assert compute(product)["conversion_rate"].value == expected == 0.4


def test_a_cohort_below_the_minimum_shows_too_few_users(product, people):
    events = october_cohort()
    events = [{**e, "at": e["at"] - datetime.timedelta(days=30)} for e in events]  # the 25 move to September
    events += journey("o1", 10, 5, ("cart", 1), ("purchase", 1))
    events += journey("o2", 10, 6)
    services.product_events_add(actor=people["pm"], product=product, events=events)
    scope_compute(ScopeType.PRODUCT, product.pk)
    snapshots = product_snapshots([product.pk])[product.pk]
    conversion = snapshots["conversion_rate"]
    points = {p["month"]: p for p in conversion.detail["monthly"]}
    assert (points["2026-10-01"]["entered"], points["2026-10-01"]["value"]) == (2, None)  # 2 < 20: no rate
    # October is the latest complete cohort: its headline says "too few users", not September's rate.
    assert (conversion.value, conversion.detail["headline_month"], conversion.detail["headline_too_few"]) == (
        None, "2026-10-01", True,
    )  # fmt: skip
    headline = next(h for h in headlines(snapshots) if h.key == "conversion_rate")
    assert (headline.caption, headline.text) == ("Conversion · 2026-10", "too few users")
    chart = monthly_chart(next(s for s in MONTHLY_CHARTS if s.key == "conversion_rate"), snapshots,
                          EntryLinks.for_product(product.pk))  # fmt: skip
    assert chart.figure is not None
    marks = [trace for trace in chart.figure.data if trace.name == "too few users"]
    assert [list(trace.x) for trace in marks] == [["2026-10"]]
    rows = {row[0]: row for row in chart.table.rows}
    too_few_column = chart.table.columns.index("too_few")
    assert rows["2026-10-01"][too_few_column] is True and rows["2026-09-01"][1] == pytest.approx(0.4)
    assert "signup → cart → purchase, within 7 days" in chart.note


def test_feature_usage_counts_the_core_events_only(product, people):
    events = [
        {"user_id": user, "name": name, "at": at(10, 5)}
        for user, names in {"a": ("login", "score"), "b": ("login", "export"), "c": ("login",), "d": ("score",)}.items()
        for name in names
    ]
    services.product_events_add(actor=people["pm"], product=product, events=events)
    usage = compute(product)["feature_usage"]
    # Core events: score only (login and export are not features). October: 4 active users, a and d scored.
    assert [feature["name"] for feature in usage.detail["features"]] == ["score"]
    assert usage.detail["features"][0]["points"] == [
        {"month": "2026-10-01", "usage": 0.5, "depth": 1.0, "adopters": 2, "eligible": 4, "events": 2,
         "partial": False},
    ]  # fmt: skip
    assert (usage.value, usage.detail["headline_feature"], usage.detail["core_events"]) == (0.5, "score", ["score"])


def test_without_core_events_or_funnel_the_charts_say_what_to_configure(project, people):
    product = services.product_create(actor=people["product"], project=project, name="Bare")
    services.product_events_add(actor=people["pm"], product=product,
                                events=[{"user_id": "a", "name": "score", "at": at(10, 5)}])  # fmt: skip
    scope_compute(ScopeType.PRODUCT, product.pk)
    snapshots = product_snapshots([product.pk])[product.pk]
    links = EntryLinks.for_product(product.pk)
    chart = feature_usage_chart(snapshots, links)
    assert chart.figure is None and chart.empty_message.startswith("No core events configured")
    assert chart.empty_url == reverse("product-funnel", args=[product.pk]) == links.funnel
    conversion = monthly_chart(next(s for s in MONTHLY_CHARTS if s.key == "conversion_rate"), snapshots, links)
    assert conversion.figure is None and conversion.empty_message.startswith("No funnel configured")
    assert conversion.empty_url == links.funnel


def test_the_settings_page_sets_the_funnel_and_shows_refusals(client, people, product):
    url = reverse("product-funnel", args=[product.pk])
    client.force_login(people["product"])
    page = client.get(url)
    assert page.status_code == 200 and "signup\ncart\npurchase" in page.content.decode()
    records = AuditRecord.objects.count()
    refused = client.post(url, {"funnel_steps": "signup\nsignup", "funnel_window_days": "0", "core_events": ""})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert "Each event name appears once; repeated: signup." in html and "From 1 to 365 days." in html
    product.refresh_from_db()
    assert (product.funnel_steps, product.funnel_window_days, AuditRecord.objects.count()) == (STEPS, 7, records)
    saved = client.post(url, {"funnel_steps": "visit\nbuy", "funnel_window_days": "3", "core_events": "score\nexport"})
    assert saved.status_code == 302
    product.refresh_from_db()
    assert (product.funnel_steps, product.funnel_window_days, product.core_events) == (
        ["visit", "buy"], 3, ["score", "export"],
    )  # fmt: skip
    client.force_login(people["exec"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"funnel_steps": "a\nb", "funnel_window_days": "3"}).status_code == 403
    client.force_login(people["outsider"])
    assert client.get(url).status_code == 404


def test_a_cohort_is_the_local_month_of_the_entry(project, people, settings):
    """In Auckland, signing up at 08:00 on 1 October is an October entry, although it is still 30 September in UTC
    (found by the product oracle)."""
    settings.TIME_ZONE = "Pacific/Auckland"
    product = services.product_create(actor=people["product"], project=project, name="Local scorer")
    services.product_funnel_update(
        actor=people["pm"], product=product, funnel_steps=["signup", "purchase"], funnel_window_days=7, core_events=[]
    )
    morning = datetime.datetime(2026, 10, 1, 8, tzinfo=ZoneInfo("Pacific/Auckland"))
    events = [{"user_id": f"u{n}", "name": "signup", "at": morning} for n in range(MIN_CONVERSION_COHORT)]
    events += [{"user_id": "u0", "name": "purchase", "at": morning + datetime.timedelta(hours=1)}]
    services.product_events_add(actor=people["pm"], product=product, events=events)
    result = product_compute(product.pk)
    assert result is not None
    conversion = next(value for value in result.values if value.metric == "conversion_rate")
    cohorts = {point["month"]: point for point in conversion.detail["monthly"] if point.get("entered")}
    assert list(cohorts) == ["2026-10-01"]
    assert (cohorts["2026-10-01"]["entered"], cohorts["2026-10-01"]["converted"]) == (MIN_CONVERSION_COHORT, 1)
