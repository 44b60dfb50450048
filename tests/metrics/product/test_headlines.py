"""Product headlines use complete periods and name them: DAU / WAU / MAU / stickiness of the last complete day,
monthly metrics of the last complete month; today and this month appear only in the series, flagged partial."""

import datetime

import pandas as pd
import pytest
import time_machine
from django.urls import reverse

from metrics.dashboards.product import EntryLinks, active_users_chart, partial_flags, stickiness_chart
from metrics.product import services
from metrics.product.models import ProductEvent
from metrics.product.selectors import headlines, product_snapshots
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

UTC = datetime.UTC
NOON = datetime.datetime(2026, 12, 3, 12, tzinfo=UTC)  # "today" is 3 December 2026, half over


def at(month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture(autouse=True)
def mid_day():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def product(project, people):
    product = services.product_create(actor=people["product"], project=project, name="Fraud scorer")
    events = [
        {"user_id": "u1", "name": "login", "at": at(11, 10)},
        {"user_id": "u2", "name": "login", "at": at(11, 20)},
        {"user_id": "u3", "name": "login", "at": at(12, 1)},
        {"user_id": "u1", "name": "login", "at": at(12, 2)},
        # Today, before noon: a busy morning that must not be the headline.
        *({"user_id": f"t{n}", "name": "login", "at": at(12, 3, 8)} for n in range(5)),
        {"user_id": "u1", "name": "login", "at": at(12, 3, 10)},
    ]
    services.product_events_add(actor=people["pm"], product=product, events=events)
    scope_compute(ScopeType.PRODUCT, product.pk)
    return product


def snapshots_of(product) -> dict:
    return product_snapshots([product.pk])[product.pk]


def test_dau_headline_is_the_last_complete_day_and_today_is_partial(product):
    snapshots = snapshots_of(product)
    dau, mau, sticky = snapshots["dau"], snapshots["mau"], snapshots["stickiness"]
    # 2 December: u1 only; MAU of the 30 days ending 2 December: u1, u2, u3.
    assert (dau.value, mau.value, sticky.value) == (1.0, 3.0, pytest.approx(1 / 3))
    assert dau.detail["headline_day"] == "2026-12-02" and dau.detail["headline_rule"] == "last complete day"
    # Today is in the series (6 users so far), flagged as partial from its first day.
    assert dau.detail["daily"][-1] == ["2026-12-03", 6]
    assert dau.detail["partial_from"] == "2026-12-03"
    shown = {h.key: h for h in headlines(snapshots)}
    assert (shown["dau"].caption, shown["dau"].text) == ("DAU · 2026-12-02", "1")
    assert (shown["mau"].caption, shown["stickiness"].caption) == ("MAU · 2026-12-02", "Stickiness · 2026-12-02")
    assert shown["stickiness"].text == "33%"


def test_dau_headline_matches_an_independent_count_from_the_event_table(product):
    frame = pd.DataFrame.from_records(ProductEvent.objects.values("user_id", "at"))
    days = frame["at"].dt.tz_convert("UTC").dt.date
    yesterday = datetime.date(2026, 12, 2)
    dau = frame[days == yesterday]["user_id"].nunique()
    mau = frame[(days > yesterday - datetime.timedelta(days=30)) & (days <= yesterday)]["user_id"].nunique()
    snapshots = snapshots_of(product)
    assert (snapshots["dau"].value, snapshots["mau"].value) == (dau, mau) == (1, 3)


def test_the_charts_draw_today_in_the_partial_colour(product):
    snapshots = snapshots_of(product)
    links = EntryLinks.for_product(product.pk)
    chart = active_users_chart(snapshots, links)
    assert chart.table.columns == ("period", "dau", "wau", "mau", "partial")
    assert chart.table.rows[-1] == ["2026-12-03", 6, 7, 8, True]
    assert chart.table.rows[-2][-1] is False
    partial_traces = [trace for trace in chart.figure.data if trace.name.endswith("(partial)")]
    assert {trace.line.color for trace in partial_traces} == {"#adb5bd"}
    assert [trace.y[-2:] for trace in partial_traces][0] == (1, 6)  # from the last complete day into today
    assert "partial" in chart.note
    sticky = stickiness_chart(snapshots, links)
    assert sticky.table.rows[-1][-1] is True
    weekly = active_users_chart(snapshots, links, "weekly")
    assert [row[-1] for row in weekly.table.rows] == [False, False, False, True]  # the week of 30 Nov is running


def test_partial_flags_per_grain():
    assert partial_flags(["2026-12-02", "2026-12-03"], "daily", "2026-12-03") == [False, True]
    assert partial_flags(["2026-11-23", "2026-11-30"], "weekly", "2026-12-03") == [False, True]
    assert partial_flags(["2026-11-01", "2026-12-01"], "monthly", "2026-12-03") == [False, True]
    assert partial_flags(["2026-11-01"], "monthly", None) == [False]


def test_monthly_headlines_use_the_last_complete_month(product, people):
    for day, score in ((5, 10), (6, 9), (1, 0)):
        month = 11 if day > 1 else 12
        services.survey_response_add(actor=people["pm"], product=product, kind="nps", score=score, at=at(month, day))
    scope_compute(ScopeType.PRODUCT, product.pk)
    snapshots = snapshots_of(product)
    nps = snapshots["nps"]
    assert [(p["month"], p["value"], p["partial"]) for p in nps.detail["monthly"]] == [
        ("2026-11-01", 100.0, False),
        ("2026-12-01", -100.0, True),  # December is running: in the series, not the headline
    ]
    assert (nps.value, nps.detail["headline_month"]) == (100.0, "2026-11-01")
    churn = snapshots["user_churn"]
    points = {p["month"]: (p["value"], p["partial"]) for p in churn.detail["monthly"]}
    # December so far: of November's u1 and u2, u2 is gone -> 1/2, but the month is partial.
    assert points["2026-12-01"] == (0.5, True)
    assert points["2026-11-01"] == (None, False)  # nobody was active in October
    assert churn.value is None  # no complete month with a value: no headline rather than the running month
    shown = {h.key: h for h in headlines(snapshots)}
    assert (shown["nps"].caption, shown["nps"].text) == ("NPS · 2026-11", "100")
    assert (shown["user_churn"].caption, shown["user_churn"].text) == ("User churn", "n/a")


def test_the_dashboard_names_each_headlines_period(client, people, product):
    client.force_login(people["exec"])
    html = client.get(reverse("product-dashboard", args=[product.pk])).content.decode()
    assert "DAU · 2026-12-02" in html and "last complete day" in html
