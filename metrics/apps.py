from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        # Register each area's snapshot computer and CSV import specs (decorators run at import).
        from metrics.imports.base import load_import_specs
        from metrics.services import compute_portfolio, compute_portfolio_people, compute_product, compute_scrum  # noqa: F401

        load_import_specs()
