"""Plain, frozen snapshots of MLflow entities: the only shapes the rest of Stagegate sees.

Times are epoch milliseconds as MLflow reports them (None when MLflow has none, e.g. a running run's
end time). Mappings are plain dicts typed read-only; `as_json()` gives a JSON-ready dict for evidence
snapshots.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

TERMINAL_STATUSES = frozenset({"FINISHED", "FAILED", "KILLED"})
UNFINISHED_STATUSES = ("RUNNING", "SCHEDULED")


class RunView(StrEnum):
    """Which runs a search returns, by lifecycle stage (MLflow's ViewType)."""

    ACTIVE = "active"
    DELETED = "deleted"
    ALL = "all"


class _Snapshot:
    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dataclasses.asdict(cast(Any, self))
        return data


@dataclass(frozen=True)
class ExperimentSnapshot(_Snapshot):
    experiment_id: str
    name: str
    lifecycle_stage: str
    artifact_location: str
    tags: Mapping[str, str]
    creation_time: int | None
    last_update_time: int | None

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == "deleted"


@dataclass(frozen=True)
class RunSnapshot(_Snapshot):
    run_id: str
    experiment_id: str
    run_name: str
    status: str
    start_time: int | None
    end_time: int | None
    lifecycle_stage: str
    artifact_uri: str
    user_id: str
    params: Mapping[str, str]
    tags: Mapping[str, str]
    metrics: Mapping[str, float]  # latest value of each metric

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == "deleted"

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True)
class MetricPoint(_Snapshot):
    step: int
    value: float
    timestamp: int


@dataclass(frozen=True)
class RegisteredModelSnapshot(_Snapshot):
    name: str
    description: str
    tags: Mapping[str, str]
    aliases: Mapping[str, str]  # alias -> version
    creation_timestamp: int | None
    last_updated_timestamp: int | None


@dataclass(frozen=True)
class ModelVersionSnapshot(_Snapshot):
    name: str
    version: str
    status: str
    source: str
    run_id: str | None  # the source run, when the version was registered from one
    aliases: tuple[str, ...]
    tags: Mapping[str, str]
    description: str
    creation_timestamp: int | None
    last_updated_timestamp: int | None
