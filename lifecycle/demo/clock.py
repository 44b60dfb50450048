"""A simulated clock for the demo, so the seeded history spreads over past months, not one second.

The services take "now" from ``django.utils.timezone.now`` (as do ``auto_now_add`` fields). The demo walks
each project through its life with those same services, so while a story runs this clock replaces that
function: phase transitions, gate decisions, charter versions and audit records then carry the moments the
story says they happened, and the dashboards' time-in-phase and gate throughput have a real history. The
clock only moves forward and never passes the real now. Used by ``seed_demo`` only, never at runtime.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator
from unittest import mock

from django.utils import timezone

_real_now = timezone.now


class DemoClock:
    def __init__(self, start: datetime.datetime) -> None:
        self.moment = min(start, _real_now())

    def now(self) -> datetime.datetime:
        return self.moment

    def set(self, moment: datetime.datetime) -> None:
        """Jump to ``moment`` unless it is in the past of the clock (or the future of the real world)."""
        self.moment = max(self.moment, min(moment, _real_now() - datetime.timedelta(minutes=5)))

    def set_date(self, day: datetime.date, hour: int = 10) -> None:
        self.set(timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour))))

    def advance(self, **delta: float) -> None:
        self.set(self.moment + datetime.timedelta(**delta))

    @contextlib.contextmanager
    def installed(self) -> Iterator[DemoClock]:
        with mock.patch("django.utils.timezone.now", self.now):
            yield self
