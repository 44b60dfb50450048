"""Swagger UI and Redoc in real Chromium, under the site's Content-Security-Policy: the pages render the
API's operations and the browser reports no policy violation."""

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

# Redoc's side menu always shows Redocly's logo from their CDN (hard-coded in the bundle, hidden when it fails to
# load): the policy blocks it, which is the policy working. Any other violation fails the test.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def watched_page(new_context) -> tuple[Page, list[str]]:
    """A page that collects every CSP violation the browser reports, and every uncaught script error."""
    page = new_context().new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.text.startswith("CSP violation"):
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # Violations are also raised as DOM events: count them even if the console wording changes.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return page, problems


def test_swagger_ui_lists_the_operations_without_a_policy_violation(new_context):
    page, problems = watched_page(new_context)
    # A deep link (Swagger UI's `deepLinking`) opens the operation's tag and the operation itself.
    page.goto("/api/docs/#/projects/v1_projects_list")

    operation = page.locator("#operations-projects-v1_projects_list")
    expect(operation).to_be_visible(timeout=30_000)
    expect(operation.locator(".opblock-summary-method")).to_have_text("GET")
    expect(operation.locator(".opblock-summary-path")).to_contain_text("/api/v1/projects/")
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_redoc_renders_the_operations_without_a_policy_violation(new_context):
    page, problems = watched_page(new_context)
    page.goto("/api/redoc/")

    # The schema is large: Redoc takes a while to lay it out on a busy machine.
    expect(page.get_by_role("heading", name="Stagegate API").first).to_be_visible(timeout=60_000)
    operation = page.locator("[data-section-id='operation/v1_projects_list']")
    expect(operation).to_be_attached()
    expect(operation).to_contain_text("/api/v1/projects/")
    page.wait_for_load_state("networkidle")
    assert [problem for problem in problems if REDOCLY_LOGO not in problem] == []
