"""Inputs of the metrics engine and the MLflow mirror. One module per area; re-exported here."""

from .deployment import *  # noqa: F403
from .evidence import *  # noqa: F403
from .mlflow import *  # noqa: F403
from .portfolio import *  # noqa: F403
from .product import *  # noqa: F403
from .scrum import *  # noqa: F403
from .snapshots import *  # noqa: F403
