"""Stagegate's MLflow access layer. Import from here; nothing else in the portal imports `mlflow`."""

import os

# MLflow starts its usage telemetry when `mlflow` is first imported; a self-hosted portal sends nothing
# unless the operator opts in by setting the variable to false.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from metrics.mlflow.client import DEFAULT_OVERLAP_MS, MlflowGateway, validate_tracking_uri
from metrics.mlflow.config import Credentials, HttpPolicy  # noqa: E402
from metrics.mlflow.errors import (
    MlflowAccessDenied,
    MlflowError,
    MlflowNotFound,
    MlflowRequestRejected,
    MlflowUnavailable,
)
from metrics.mlflow.types import (
    ExperimentSnapshot,
    MetricPoint,
    ModelVersionSnapshot,
    RegisteredModelSnapshot,
    RunSnapshot,
    RunView,
)

__all__ = [
    "DEFAULT_OVERLAP_MS",
    "Credentials",
    "ExperimentSnapshot",
    "HttpPolicy",
    "MetricPoint",
    "MlflowAccessDenied",
    "MlflowError",
    "MlflowGateway",
    "MlflowNotFound",
    "MlflowRequestRejected",
    "MlflowUnavailable",
    "ModelVersionSnapshot",
    "RegisteredModelSnapshot",
    "RunSnapshot",
    "RunView",
    "validate_tracking_uri",
]
