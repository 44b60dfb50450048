"""The seeded demo, built once for this package and shared by its tests.

`seed_demo` (without MLflow) runs inside a transaction that stays open while the package's tests run and is
rolled back after them; each test's own transaction nests inside it as a savepoint, so a test that writes
leaves the demo as it found it. Seeding takes about 40 seconds, paid once: the demo invariants and the oracle's
demo scenario read it. Tests here use ``pytest.mark.django_db`` (never ``transaction=True``, which would flush
the shared data).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="package", autouse=True)
def demo_world(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[str]:
    """Seed the demo once for the package; yields what `seed_demo` printed."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        outer = transaction.atomic()
        outer.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
