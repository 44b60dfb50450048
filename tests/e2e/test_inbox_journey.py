"""Browser: the executive signs in, the home says "3 decisions waiting" (and the badge counts them), follows one
from the "Waiting for you" card to the decide page, decides, and the home then says 2."""

import re

from playwright.sync_api import expect

from lifecycle import services
from tests.e2e.conftest import browser, login, new_context  # noqa: F401 (fixtures of the browser journeys)
from tests.factories import make_project, provide_required_artifacts


def test_the_executive_decides_one_waiting_gate_and_the_count_drops(login, portfolio, people):  # noqa: F811
    for number in range(1, 4):
        project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code=f"WAIT-{number}")
        provide_required_artifacts(project, people["pm"])
        services.gate_review_request(actor=people["pm"], project=project)

    page = login("exec")  # lands on the executive's home, portfolio health
    card = page.get_by_test_id("waiting-card")
    expect(card.get_by_test_id("decisions-waiting")).to_have_text("3 decisions waiting")
    expect(page.get_by_test_id("inbox-badge")).to_contain_text("3")

    card.get_by_role("link", name="Decide the Charter approval gate").first.click()
    expect(page).to_have_url(re.compile(r"/gate-reviews/\d+/decide/$"))
    page.locator("input[name=decision][value=go]").check()
    page.fill("textarea[name=rationale]", "The charter is clear.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("main")).to_contain_text("Decision recorded: Go.")

    page.get_by_role("link", name="Stagegate").click()  # home again
    expect(page.get_by_test_id("decisions-waiting")).to_have_text("2 decisions waiting")
    expect(page.get_by_test_id("inbox-badge")).to_contain_text("2")
