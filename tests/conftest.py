import os
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member

# Set to a number of days to run the whole session with the clock that far ahead (`make test-clock`):
# a test that depends on "today" without pinning it fails there instead of on some later date.
CLOCK_SHIFT_ENV = "STAGEGATE_TEST_CLOCK_SHIFT_DAYS"


def _clock_shift_days() -> int:
    raw = os.environ.get(CLOCK_SHIFT_ENV, "").strip()
    if not raw:
        return 0
    try:
        return int(raw)
    except ValueError:
        raise pytest.UsageError(f"{CLOCK_SHIFT_ENV} must be a whole number of days, not {raw!r}") from None


def pytest_configure(config):
    """Start the shifted clock before collection, so module-level dates see it too; it keeps ticking.

    Tests that pin their own date with time_machine still get exactly that date: travels nest. Processes
    outside this one (Chromium, the Celery worker, `mlflow server`) keep the real clock: the shifted run
    selects the `clock` marker, which modules needing them do not carry.
    """
    days = _clock_shift_days()
    if days:
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        config._stagegate_clock_shift = (days, traveller)


def pytest_unconfigure(config):
    shift = getattr(config, "_stagegate_clock_shift", None)
    if shift:
        shift[1].stop()
        del config._stagegate_clock_shift


def pytest_report_header(config):
    shift = getattr(config, "_stagegate_clock_shift", None)
    if shift:
        return f"clock shifted {shift[0]:+d} days ({CLOCK_SHIFT_ENV}): today is {datetime.now(UTC):%Y-%m-%d} UTC"
    return None


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The local-memory cache lives as long as the process: no test sees another's cached pages or counters."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def portfolio(db):
    return PortfolioFactory(name="Applied Machine Learning", slug="aml")


@pytest.fixture
def people(portfolio):
    """One person per role that matters in `portfolio`, plus an outsider with no membership there."""
    outsider_portfolio = PortfolioFactory(name="AI Research", slug="air")
    return {
        "pm": member(portfolio, Role.PROJECT_MANAGER, "pm"),
        "exec": member(portfolio, Role.EXECUTIVE_LEADER, "exec"),
        "ds": member(portfolio, Role.DATA_SCIENTIST, "ds"),
        "architect": member(portfolio, Role.SOLUTION_ARCHITECT, "architect"),
        "product": member(portfolio, Role.PRODUCT_MANAGER, "product"),
        "outsider": member(outsider_portfolio, Role.PROJECT_MANAGER, "outsider"),
    }


@pytest.fixture
def project(portfolio, people):
    return make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-001")


@pytest.fixture(autouse=True)
def _catalog_rows_after_flush(request):
    """Transactional tests flush every table, including rows seeded by data migrations; put them back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if marker and marker.kwargs.get("transaction"):
        transactional = True
    if transactional:
        from lifecycle.services.artifacts import artifact_types_ensure

        request.getfixturevalue("transactional_db")
        artifact_types_ensure()


def _database_is_postgresql() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_xdist_make_scheduler(config, log):
    """`make test` runs ``-n 2 --dist loadscope``: the scopes are ours (tests/xdist_scheduling.py)."""
    if config.getvalue("dist") == "loadscope":
        from tests.xdist_scheduling import GroupScheduling

        return GroupScheduling(config, log)
    return None


def pytest_collection_modifyitems(config, items):
    """On a SQLite developer run, leave out the tests that need PostgreSQL, and say so loudly.

    CI sets DATABASE_URL to PostgreSQL, where every test runs: nothing is skipped there.
    """
    if _database_is_postgresql():
        return
    needs_postgresql = [item for item in items if item.get_closest_marker("postgresql")]
    if needs_postgresql:
        config.hook.pytest_deselected(items=needs_postgresql)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        config._stagegate_left_out = len(needs_postgresql)


def _run_notes(config) -> dict:
    """What the end of the run reports: tests left out on SQLite, the permission matrix's size. Under pytest-xdist
    each process sends its own to the controller (``workeroutput``), which adds them up."""
    import sys

    tally = getattr(sys.modules.get("tests.security.matrix"), "TALLY", {})
    return {"left_out": getattr(config, "_stagegate_left_out", 0), "tally": dict(tally)}


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # a pytest-xdist process
        session.config.workeroutput["stagegate"] = _run_notes(session.config)


def pytest_testnodedown(node, error):
    notes = getattr(node, "workeroutput", {}).get("stagegate")
    if notes:
        gathered = node.config.__dict__.setdefault("_stagegate_notes", {"left_out": 0, "tally": {}})
        gathered["left_out"] = max(gathered["left_out"], notes["left_out"])  # each process collects every test
        for key, count in notes["tally"].items():
            gathered["tally"][key] = gathered["tally"].get(key, 0) + count


def pytest_terminal_summary(terminalreporter, config):
    notes = getattr(config, "_stagegate_notes", None) or _run_notes(config)
    for matrix in ("api", "pages"):
        tally = notes["tally"]
        if tally.get(matrix):
            terminalreporter.write_line(
                f"permission matrix ({matrix}): {tally[matrix]} cases checked = {tally[f'{matrix} routes']} routes x "
                f"their methods x {tally[f'{matrix} roles']} roles x 2 portfolios"
            )
    if notes["left_out"]:
        terminalreporter.write_line(
            f"NOTE: {notes['left_out']} tests need PostgreSQL and did not run on SQLite; "
            "set DATABASE_URL=postgres://... to run the whole suite (CI does).",
            yellow=True,
            bold=True,
        )
