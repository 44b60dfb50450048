"""The portfolio snapshots against the independent oracle (``tests/metrics/oracle/portfolio_oracle.py``) on the
seeded demo: overall and dimension RAGs, SPI / CPI / EAC at the data date, the portfolio forecast, time in phase and
resource utilization, with the snapshots recomputed at one pinned instant (the demo's own dates are relative to
the day it was seeded)."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from lifecycle.models import Project
from metrics.portfolio_inputs.models import Allocation, Capacity, CostEntry, StatusReport
from tests.metrics.oracle import portfolio_oracle as oracle

# The demo is seeded relative to today: `make test-clock` runs this a year ahead.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

#: Persons first (the portfolio rollup reads their snapshots), then projects, then the portfolios summing them up.
SCOPE_TYPES = ("person", "project", "portfolio")


@pytest.fixture
def pinned_now():
    """The snapshots recomputed at one instant, frozen while the test compares them with the oracle."""
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        for scope_type in SCOPE_TYPES:
            call_command("compute_metrics", scope_type=scope_type, stdout=io.StringIO())
        yield now


def test_the_demo_has_what_the_comparison_needs():
    """Guards against a vacuous comparison: the demo holds every kind of input the oracle reads."""
    assert Project.objects.count() >= 20
    assert Project.objects.filter(state__in=("closed", "cancelled")).exists()
    assert StatusReport.objects.filter(percent_complete__isnull=False).exists()
    assert CostEntry.objects.exists() and Capacity.objects.exists() and Allocation.objects.exists()


def test_the_demo_snapshots_agree_with_the_oracle(pinned_now):
    found = oracle.disagreements(pinned_now.date(), pinned_now)
    assert found == [], "\n".join(found)
    # and the comparison was not vacuous: every project is rated, and some have indices, EACs, people and phases
    tables = oracle.load_tables()
    health = oracle.project_health(tables, pinned_now.date())
    assert len(health) == Project.objects.count()
    assert health.overall_rag.notna().any() and health.cpi.notna().any() and health.eac.notna().any()
    assert oracle.utilization_peaks(tables, pinned_now.date()).notna().any()
    assert oracle.phase_durations(tables, pinned_now).in_progress.astype(bool).any()
