"""Shared set-up of the benchmarks: a throwaway PostgreSQL database, migrated, and Django configured.

Benchmarks measure on PostgreSQL (as production runs). BENCH_DATABASE_URL names the server and
database; the database is dropped and created again at each run.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/stagegate_bench"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    _recreate_database(url)

    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def median_seconds(action: Callable[[], object], *, repeat: int = 15, warmup: int = 3) -> float:
    """Median wall time of `action` over `repeat` runs after `warmup` runs (caches and plans warm)."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
