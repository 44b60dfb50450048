"""Browser journeys: Playwright (sync API) driving Debian's Chromium against Django's live server.

Playwright cannot download its own browser on our machines, so we launch /usr/bin/chromium
(installed by .ci/run). The flags keep Chromium from reaching out to the network at start-up.
"""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM_PATH = os.environ.get("STAGEGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser(transactional_db, monkeypatch) -> Iterator[Browser]:
    """One Chromium per test. Playwright's sync API runs an event loop in the test thread, where the
    test also uses the ORM: allowed here only, and the loop is closed before the database is flushed
    (this fixture depends on transactional_db, so it is torn down first)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server) -> Iterator:
    """Factory of fresh browser contexts (separate cookies: separate users or sessions)."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def login(new_context):
    """Log a user in through the real login form; returns a Page on the home page."""

    def do_login(username: str, password: str = "pw") -> Page:
        page = new_context().new_page()
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit], input[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/login/" not in page.url, f"login failed for {username}"
        return page

    return do_login
