"""Browser: a product manager opens a product dashboard and every chart is drawn; the project dashboard's
product section (inserted by htmx) draws its DAU chart too."""

import datetime

import pytest

from metrics.product import services
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute
from tests.e2e.conftest import browser, login, new_context  # noqa: F401 (fixtures of the browser journeys)

pytestmark = pytest.mark.e2e

UTC = datetime.UTC


def moment(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 12, tzinfo=UTC)


def test_product_dashboard_and_project_section_draw_their_charts(login, project, people):  # noqa: F811
    pm = people["pm"]
    product = services.product_create(actor=pm, project=project, name="Fraud scorer")
    services.product_funnel_update(
        actor=pm, product=product, funnel_steps=["login", "score"], funnel_window_days=30, core_events=["score"]
    )
    events = [
        {"user_id": f"c{i % 6}", "name": ("login", "score")[i % 2], "at": moment(9 + i % 2, 1 + i % 28)}
        for i in range(120)
    ]
    services.product_events_add(actor=pm, product=product, events=events)
    for index, month in enumerate((9, 10)):
        customer = services.customer_add(
            actor=pm, product=product, external_id=f"c{index}", acquired_on=moment(month, 1).date()
        )
        services.order_add(actor=pm, customer=customer, placed_at=moment(month, 3), revenue="90", gross_margin="0.5")
        services.marketing_spend_add(
            actor=pm, product=product, channel="ads", period_start=moment(month, 1).date(),
            period_end=moment(month, 28).date(), amount=100,
        )  # fmt: skip
        services.survey_response_add(actor=pm, product=product, kind="nps", score=9, at=moment(month, 5))
        services.survey_response_add(actor=pm, product=product, kind="csat", score=4, at=moment(month, 5))
    scope_compute(ScopeType.PRODUCT, product.pk)

    page = login("product")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"/products/{product.pk}/")
    charts = page.locator("[data-chart]")
    page.wait_for_function("document.querySelectorAll('[data-chart][data-drawn=\"1\"]').length === 11")
    assert charts.count() == 11
    # Rolling 30 days to 28 October: c1, c3, c5 (the September users' last events were on 28 September).
    assert page.locator("[data-headline='mau']").inner_text().splitlines()[1] == "3"

    page.goto(f"/projects/{project.pk}/dashboard/")
    section_chart = page.locator(f"[data-chart='product-{product.pk}-active-users']")
    section_chart.wait_for()
    page.wait_for_function(
        f"document.querySelector(\"[data-chart='product-{product.pk}-active-users']\").dataset.drawn === '1'"
    )
    assert errors == []
