"""Drill-down equality over the seeded demo: every link of every chart on the portfolio dashboard opens a list
holding exactly the number that was clicked.

The test reads the page as the demo executive sees it (the figures' JSON in the rendered HTML, the same text
``static/js/charts.js`` draws and follows on click), then opens every link with the test client. A link to the
project list must show as many projects as its mark counts: the mark's ``[url, count]`` customdata when it says
so (gate decisions, phases in progress), else the bar's height. A link to one project must open it. The "show
all" links under a chart must open as many projects as they promise.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from lifecycle.choices import RAG
from lifecycle.models import Project

# The demo is seeded relative to today: `make test-clock` runs this a year ahead.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

FIGURE = re.compile(r'<div hidden id="chart-(?P<id>[\w-]+)-figure">(?P<json>.*?)</div>', re.S)
MORE = re.compile(r'<a class="[^"]*" href="(?P<url>[^"]+)" data-more="(?P<id>[\w-]+)">Show all (?P<n>[\d,]+) ')
LIST_COUNT = re.compile(r"([\d,]+) projects? (?:match your filters|in your portfolios)")


@dataclass(frozen=True)
class Link:
    chart: str
    mark: str
    url: str
    count: int | None  # None: a link to one project


def _client() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="exec"))
    return client


def _figures(page: str) -> dict[str, dict[str, Any]]:
    return {match["id"]: json.loads(html.unescape(match["json"])) for match in FIGURE.finditer(page)}


def _flat(values: Any) -> list[Any]:
    """Heatmap customdata is a matrix; bars and markers have one item per point."""
    if isinstance(values, list) and values and isinstance(values[0], list) and isinstance(values[0][0], list):
        return [cell for row in values for cell in row]
    return list(values) if isinstance(values, list) else []


def _links(chart_id: str, figure: dict[str, Any]) -> Iterator[Link]:
    project_list = reverse("project-list")
    for trace in figure.get("data", []):
        custom = trace.get("customdata")
        if custom is None:
            continue
        if trace.get("type") == "heatmap":
            cells = [cell for row in custom for cell in row]
            heights: list[Any] = [None] * len(cells)
        else:
            cells = _flat(custom)
            heights = list(trace.get("y") or [None] * len(cells))
        labels = trace.get("x") or [None] * len(cells)
        for index, data in enumerate(cells):
            url, count = (data[0], data[1]) if isinstance(data, list) else (data, None)
            if not (isinstance(url, str) and url.startswith("/")):
                continue
            mark = f"{trace.get('name') or trace.get('type')} {labels[index] if index < len(labels) else ''}"
            if urlsplit(url).path == project_list:
                clicked = count if count is not None else heights[index]
                assert isinstance(clicked, int), f"{chart_id} {mark}: links to a list without a count ({clicked!r})"
                yield Link(chart_id, mark, url, clicked)
            else:
                yield Link(chart_id, mark, url, None)


def _list_count(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    match = LIST_COUNT.search(response.content.decode())
    assert match, f"no count on {url}"
    return int(match[1].replace(",", ""))


def _business_unit() -> int:
    """The business unit with the most projects (a filter that leaves several bars standing)."""
    row = (
        Project.objects.exclude(business_unit=None)
        .values("business_unit")
        .annotate(n=Count("pk"))
        .order_by("-n", "business_unit")
        .first()
    )
    assert row is not None
    return int(row["business_unit"])


def _dashboard(client: Client, query: dict[str, str]) -> str:
    response = client.get(reverse("dashboard-portfolio"), query)
    assert response.status_code == 200
    return response.content.decode()


def _check_every_link(query: dict[str, str]) -> set[str]:
    client = _client()
    page = _dashboard(client, query)
    figures = _figures(page)
    assert {"status", "phase", "gate-decisions", "mobilize"} <= set(figures), sorted(figures)
    links = [link for chart_id, figure in figures.items() for link in _links(chart_id, figure)]
    links += [
        Link(match["id"], "show all", html.unescape(match["url"]), int(match["n"].replace(",", "")))
        for match in MORE.finditer(page)
    ]
    wrong, seen_projects, charts = [], set(), set()
    for link in links:
        charts.add(link.chart)
        if link.count is None:
            if link.url not in seen_projects:
                seen_projects.add(link.url)
                assert client.get(link.url).status_code == 200, link
            continue
        for name, value in query.items():  # the dashboard's filters are carried over
            assert parse_qs(urlsplit(link.url).query).get(name) == [value], link
        listed = _list_count(client, link.url)
        if listed != link.count:
            wrong.append(f"{link.chart} / {link.mark}: clicked {link.count}, the list holds {listed} ({link.url})")
    assert not wrong, "\n".join(wrong)
    return charts


def test_every_link_of_the_unfiltered_portfolio_dashboard_opens_as_many_as_it_counts() -> None:
    charts = _check_every_link({})
    assert {"status", "phase", "gate-decisions", "phase-time", "mobilize", "health", "roadmap"} <= charts


def test_every_link_of_the_dashboard_filtered_by_business_unit_opens_as_many_as_it_counts() -> None:
    charts = _check_every_link({"business_unit": str(_business_unit())})
    assert {"status", "phase", "mobilize"} <= charts


def test_status_bars_link_each_rating_and_not_assessed_is_a_filter_of_its_own() -> None:
    client = _client()
    figure = _figures(_dashboard(client, {}))["status"]
    bar = figure["data"][0]
    ratings = [parse_qs(urlsplit(url).query)["overall_rag"] for url in bar["customdata"]]
    assert ratings == [[RAG.GREEN], [RAG.YELLOW], [RAG.RED], [RAG.NOT_ASSESSED]]
    assert bar["x"] == ["Green", "Yellow", "Red", "Not assessed"]
    assert sum(bar["y"]) == _list_count(client, reverse("project-list"))
    csv = client.get(reverse("dashboard-portfolio"), {"csv": "status"}).content.decode().splitlines()
    assert csv[0] == "overall_rag,projects (count)"
    assert [line.split(",")[0] for line in csv[1:]] == ["green", "yellow", "red", "not assessed"]


def test_a_manager_override_counts_where_the_list_files_it() -> None:
    """The bar and the list read the same column: a project whose snapshot says green but whose shown RAG (an
    override) is red is counted red, and the red list holds it."""
    client = _client()
    project = Project.objects.filter(overall_rag=RAG.GREEN).order_by("code").first()
    assert project is not None
    before = _figures(_dashboard(client, {}))["status"]["data"][0]["y"]
    Project.objects.filter(pk=project.pk).update(overall_rag=RAG.RED)
    cache.clear()  # the figures are cached per snapshot version; this edit bypasses the computer on purpose
    figure = _figures(_dashboard(client, {"portfolio": str(project.portfolio_id)}))["status"]
    red_url = figure["data"][0]["customdata"][2]
    assert figure["data"][0]["y"][2] == _list_count(client, red_url)
    after = _figures(_dashboard(client, {}))["status"]["data"][0]["y"]
    assert (after[0], after[2]) == (before[0] - 1, before[2] + 1)
