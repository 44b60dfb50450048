"""The snapshot computers, one per scope type, and the scopes each one computes.

Each scope type has one *computer*: a function taking the scope's id and returning the ``SnapshotValue``s of every
metric of that scope. Areas register theirs with ``@snapshot_computer``, naming how to list every scope of the type
(for the full recompute), when the metrics app starts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from metrics.snapshots.choices import ScopeType


@dataclass(frozen=True)
class SnapshotValue:
    metric: str
    value: float | None
    period: str = ""
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    frozen: bool = False


@dataclass(frozen=True)
class ScopeResult:
    """What a computer returns: where the scope belongs, and its values."""

    portfolio_id: int
    project_id: int | None
    values: list[SnapshotValue]


Computer = Callable[[int], ScopeResult | None]
ScopeIds = Callable[[], QuerySet[Any, int]]


COMPUTERS: dict[str, Computer] = {}
SCOPE_IDS: dict[str, ScopeIds] = {}  # every scope of a type, in id order, for the full recompute


def snapshot_computer(scope_type: str, *, scope_ids: ScopeIds) -> Callable[[Computer], Computer]:
    """Register the computer of ``scope_type`` (it returns None when the scope no longer exists) and how to list
    every scope of that type."""

    def register(function: Computer) -> Computer:
        if scope_type in COMPUTERS:  # pragma: no cover - two computers for one scope is a programming error
            raise RuntimeError(f"two snapshot computers for {scope_type}")
        COMPUTERS[scope_type] = function
        SCOPE_IDS[scope_type] = scope_ids
        return function

    return register


def has_computer(scope_type: str) -> bool:
    return scope_type in COMPUTERS


def scope_ids(scope_type: str) -> QuerySet[Any, int]:
    """Every scope of a type that has a computer, in id order."""
    if scope_type not in SCOPE_IDS:
        raise ValueError(f"no list of scopes for {scope_type!r}")
    return SCOPE_IDS[scope_type]()


def computed_scope_types() -> list[str]:
    """The scope types with a computer, in a fixed order (portfolios last: they may read their projects')."""
    order = [ScopeType.PERSON, ScopeType.TEAM, ScopeType.PRODUCT, ScopeType.PROJECT, ScopeType.PORTFOLIO]
    return [scope_type.value for scope_type in order if has_computer(scope_type)]
