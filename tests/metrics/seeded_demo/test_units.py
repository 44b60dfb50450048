"""Units and formats over the seeded demo, as the executive sees it: every amount the dashboards render carries the
installation currency, every chart's CSV names the unit of each numeric column and has no float noise, and count
axes tick whole numbers only."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lifecycle.models import Project
from metrics.product.models import Product
from metrics.scrum.models import Team

# The demo is seeded relative to today: `make test-clock` runs this a year ahead.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

FIGURE = re.compile(r'<div hidden id="chart-(?P<id>[\w-]+)-figure">(?P<json>.*?)</div>', re.S)
KPI = re.compile(r'data-kpi="(?P<id>[\w-]+)">(?P<value>[^<]*)<')
NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
NOISE = re.compile(r"\.\d{5,}")  # more decimals than any unit keeps: float noise such as 5445498.374000001
#: Columns that hold labels or flags, not measures (no unit to state).
LABELS = {"partial", "over_capacity", "working_day", "overridden", "done", "too_few", "window_open", "basis"}


def _client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="exec"))
    return client


def _figures(page: str) -> dict[str, dict[str, Any]]:
    return {match["id"]: json.loads(html.unescape(match["json"])) for match in FIGURE.finditer(page)}


def _pages() -> list[str]:
    project = Project.objects.filter(budget_periods__isnull=False).order_by("code").first() or Project.objects.first()
    assert project is not None
    urls = [reverse("dashboard-portfolio"), reverse("dashboard-project", args=[project.pk])]
    team = Team.objects.order_by("pk").first()
    product = Product.objects.order_by("pk").first()
    urls += [reverse("team-dashboard", args=[team.pk])] if team else []
    urls += [reverse("product-dashboard", args=[product.pk])] if product else []
    return urls


def test_every_amount_on_the_dashboards_carries_the_currency() -> None:
    client, currency = _client(), settings.STAGEGATE_CURRENCY
    page = client.get(reverse("dashboard-portfolio")).content.decode()
    kpis = {match["id"]: match["value"] for match in KPI.finditer(page)}
    for money_kpi in ("bac", "eac"):
        assert kpis[money_kpi].endswith(f" {currency}"), (money_kpi, kpis[money_kpi])
    figures = _figures(page)
    assert figures["cost"]["layout"]["yaxis"]["title"]["text"] == f"Cumulative cost ({currency})"
    assert all(currency in trace["hovertemplate"] for trace in figures["cost"]["data"])
    assert f"({currency})" in figures["balance"]["layout"]["xaxis"]["title"]["text"]
    note = re.search(r"Totals \([^)]*\): BAC [^,]+,", page)
    assert note and currency in note[0]

    project = Project.objects.order_by("code").first()
    assert project is not None
    page = client.get(reverse("dashboard-project", args=[project.pk])).content.decode()
    kpis = {match["id"]: match["value"] for match in KPI.finditer(page)}
    assert kpis["eac"] == "n/a" or kpis["eac"].endswith(f" {currency}")
    figures = _figures(page)
    if "project-cost" in figures:
        assert figures["project-cost"]["layout"]["yaxis"]["title"]["text"] == f"Cumulative cost ({currency})"

    product = Product.objects.order_by("pk").first()
    if product is not None:
        page = client.get(reverse("product-dashboard", args=[product.pk])).content.decode()
        for money_chart in ("cac", "clv"):
            figure = _figures(page).get(money_chart)
            if figure:
                assert f"({currency})" in figure["layout"]["yaxis"]["title"]["text"]


@pytest.mark.parametrize("page", ["portfolio", "project", "team", "product"])
def test_every_csv_names_its_units_and_has_no_float_noise(page: str) -> None:
    client = _client()
    url = dict(zip(("portfolio", "project", "team", "product"), _pages(), strict=False)).get(page)
    assert url is not None, f"the demo has no {page}"  # the seeded demo has every kind of page: never skipped
    charts = sorted(_figures(client.get(url).content.decode()))
    assert charts
    checked = 0
    for chart_id in charts:
        response = client.get(url, {"csv": chart_id})
        if response.status_code == 404:  # a chart drawn from a fragment of another page
            continue
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        header, body = rows[0], rows[1:]
        for index, column in enumerate(header):
            values = [row[index] for row in body if index < len(row) and row[index] != ""]
            numeric = values and all(NUMBER.fullmatch(value) for value in values)
            name = column.split(" (")[0]
            if numeric and name not in LABELS:
                assert re.search(r" \([^)]+\)$", column), f"{url} {chart_id}: column {column!r} has no unit"
            for value in values:
                assert not NOISE.search(value), f"{url} {chart_id} {column}: {value}"
        checked += 1
    assert checked


def test_count_axes_are_integer() -> None:
    figures = _figures(_client().get(reverse("dashboard-portfolio")).content.decode())
    for chart_id in ("status", "phase", "mobilize"):
        axis = figures[chart_id]["layout"]["yaxis"]
        assert axis["tickformat"] == ",d", chart_id
        assert axis.get("dtick", 1) >= 1 and axis["rangemode"] == "tozero", chart_id
