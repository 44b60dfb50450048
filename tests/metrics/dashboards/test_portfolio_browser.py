"""Browser: an executive opens the portfolio dashboard, clicks each bar of the status chart (projects by overall
RAG, "not assessed" included) and the project list it opens holds as many projects as the bar counted."""

import re

import pytest

from lifecycle.choices import RAG
from lifecycle.models import Project
from tests.e2e.conftest import browser, login, new_context  # noqa: F401 (fixtures of the browser journeys)
from tests.factories import make_project

pytestmark = pytest.mark.e2e

#: The small world: how many projects show each overall RAG (the column every page and the list filter read).
WORLD = {RAG.GREEN: 2, RAG.YELLOW: 1, RAG.RED: 3, RAG.NOT_ASSESSED: 1}
LIST_COUNT = re.compile(r"([\d,]+) projects? match your filters")


def _world(portfolio, people) -> None:
    number = 0
    for rag, count in WORLD.items():
        for _ in range(count):
            number += 1
            project = make_project(
                portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code=f"RAG-{number}"
            )
            # The RAG columns are written by the metrics computer; set the outcome directly for this page test.
            Project.objects.filter(pk=project.pk).update(overall_rag=rag)


def test_each_status_bar_opens_the_list_of_exactly_its_projects(login, portfolio, people):  # noqa: F811
    _world(portfolio, people)
    page = login("exec")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    dashboard = "/dashboards/portfolio/"
    page.goto(dashboard)
    page.wait_for_function("document.querySelector('[data-chart=\"status\"]').dataset.drawn === '1'")
    labels = page.evaluate("document.querySelector('[data-chart=\"status\"]').data[0].x")
    counts = page.evaluate("document.querySelector('[data-chart=\"status\"]').data[0].y")
    assert labels == ["Green", "Yellow", "Red", "Not assessed"]
    assert counts == list(WORLD.values())

    for index, (rag, expected) in enumerate(WORLD.items()):
        if index:
            page.goto(dashboard)
            page.wait_for_function("document.querySelector('[data-chart=\"status\"]').dataset.drawn === '1'")
        # Plotly's drag layer lies over the bars: click where the bar is, as a person does.
        bar = page.locator("[data-chart='status'] .bars .point path").nth(index)
        bar.scroll_into_view_if_needed()  # below the "Waiting for you" card, the chart may start under the fold
        box = bar.bounding_box()
        assert box is not None
        with page.expect_navigation():
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert f"overall_rag={rag}" in page.url
        listed = LIST_COUNT.search(
            page.locator("main").inner_text() if page.locator("main").count() else page.content()
        )
        assert listed, page.url
        assert int(listed[1]) == counts[index] == expected, (rag, page.url)
        assert page.locator("tbody tr").count() == expected
    assert errors == []
