"""Inputs of the metrics engine and the MLflow mirror. One module per area; re-exported here."""

from metrics.deployments.models import *  # noqa: F403
from metrics.evidence.models import *  # noqa: F403
from metrics.mirror.models import *  # noqa: F403
from metrics.portfolio_inputs.models import *  # noqa: F403
from metrics.product.models import *  # noqa: F403
from metrics.scrum.models import *  # noqa: F403
from metrics.snapshots.models import *  # noqa: F403
