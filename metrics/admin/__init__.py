"""Django admin of the metrics app, one module per area."""

from . import governance, mlflow, portfolio, product, scrum  # noqa: F401
