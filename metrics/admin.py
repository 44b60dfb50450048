"""Django admin of the metrics app: each area registers its own models."""

from metrics.deployments import admin as deployments_admin  # noqa: F401
from metrics.evidence import admin as evidence_admin  # noqa: F401
from metrics.mirror import admin as mirror_admin  # noqa: F401
from metrics.portfolio_inputs import admin as portfolio_inputs_admin  # noqa: F401
from metrics.product import admin as product_admin  # noqa: F401
from metrics.scrum import admin as scrum_admin  # noqa: F401
from metrics.snapshots import admin as snapshots_admin  # noqa: F401
