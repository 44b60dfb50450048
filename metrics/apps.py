from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        # Each area registers its snapshot computers and CSV import specs with decorators that run at import.
        from metrics.portfolio_inputs.computers import people, projects  # noqa: F401
        from metrics.portfolio_inputs.imports import health, resources  # noqa: F401
        from metrics.product import imports as product_imports  # noqa: F401
        from metrics.product.computers import products  # noqa: F401
        from metrics.scrum import computers as scrum_computers  # noqa: F401
        from metrics.scrum.imports import items, jira  # noqa: F401
