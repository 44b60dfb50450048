"""Browser journeys of the input pages: an inline add with htmx, and a CSV import with a bad row skipped."""

import os

import pytest
from django.urls import reverse

from metrics.portfolio_inputs.models import CostEntry
from tests.e2e import conftest as e2e

# The browser fixtures of tests/e2e, used here beside the pages they test.
browser, new_context, login = e2e.browser, e2e.new_context, e2e.login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("STAGEGATE_SHOTS", "")  # a folder: save screenshots there while developing


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_pm_adds_a_cost_inline_without_reloading(login, project):
    page = login("pm")
    page.goto(reverse("project-input-section", args=[project.pk, "costs"]))
    page.evaluate("window.__marker = 'same page'")

    page.fill("input[name=day]", "2026-03-02")
    page.fill("input[name=amount]", "-3")
    page.click("[data-testid=add-form] button[type=submit]")
    page.wait_for_selector("[data-testid=add-form] .invalid-feedback")
    assert (
        page.inner_text("[data-testid=add-form] .invalid-feedback")
        == "Ensure this value is greater than or equal to 0."
    )
    assert CostEntry.objects.count() == 0
    page.fill("input[name=amount]", "120.50")
    page.click("[data-testid=add-form] button[type=submit]")
    page.wait_for_selector("text=The cost entry is recorded.")

    assert page.evaluate("window.__marker") == "same page"  # swapped in place by htmx
    assert "120.50" in page.inner_text("[data-testid=rows]")
    assert page.input_value("input[name=amount]") == ""
    _shot(page, "costs")
    assert CostEntry.objects.count() == 1


def test_pm_previews_a_file_skips_the_bad_row_and_imports_the_rest(login, project, tmp_path):
    csv_file = tmp_path / "march.csv"
    csv_file.write_text(
        "day,amount,category,note\n2026-03-02,100,labour,ok\n2026-03-03,-5,labour,bad\n2026-03-04,7,,\n"
    )
    page = login("pm")
    page.goto(reverse("project-inputs", args=[project.pk]))
    _shot(page, "hub")
    page.click("[data-section=costs] [data-testid=import-link]")
    _shot(page, "import")

    page.set_input_files("input[type=file]", str(csv_file))
    page.click("[data-testid=import-upload] button[type=submit]")
    page.wait_for_selector("[data-testid=import-preview]")
    _shot(page, "preview")

    assert page.inner_text("[data-testid=import-good]") == "2"
    assert page.inner_text("[data-testid=import-bad]") == "1"
    assert "Must be at least 0." in page.inner_text("[data-testid=import-errors] tr[data-line='3']")
    assert CostEntry.objects.count() == 0
    page.click("text=Import the 2 good rows and skip the 1 bad one")
    page.wait_for_selector("[data-testid=import-done]")
    _shot(page, "done")

    assert page.inner_text("[data-testid=import-imported]") == "2"
    assert CostEntry.objects.count() == 2
    page.click("[data-testid=import-back]")
    assert page.locator("[data-testid=rows] tbody tr").count() == 2
