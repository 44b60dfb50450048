""" "A refused action changes nothing": one checker, each test area passing its own snapshot of the rows."""

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import pytest

from lifecycle.models import AuditRecord, Project


def refused_checker(snapshot: Callable[[], Any]):
    """A context manager factory: the block raises exactly `error` and `snapshot()` is the same after."""

    @contextmanager
    def refused(error: type[Exception]):
        before = snapshot()
        with pytest.raises(error) as caught:
            yield caught
        assert type(caught.value) is error, f"expected {error.__name__}, got {type(caught.value).__name__}"
        assert snapshot() == before

    return refused


def audit_actions(project: Project | None = None) -> list[str]:
    records = AuditRecord.objects.order_by("id")
    if project is not None:
        records = records.filter(project=project)
    return list(records.values_list("action", flat=True))
