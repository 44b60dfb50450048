"""Stagegate's MLflow access layer. Import from here; nothing else in the portal imports `mlflow`."""

import os

# MLflow starts its usage telemetry when `mlflow` is first imported; a self-hosted portal sends nothing
# unless the operator opts in by setting the variable to false.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

from .client import (  # noqa: E402
    DEFAULT_OVERLAP_MS,
    MlflowGateway,
    validate_tracking_uri,
)
from .config import Credentials, HttpPolicy  # noqa: E402
from .errors import (  # noqa: E402
    MlflowAccessDenied,
    MlflowError,
    MlflowNotFound,
    MlflowRequestRejected,
    MlflowUnavailable,
)
from .types import (  # noqa: E402
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
