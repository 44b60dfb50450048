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

        self.install_hooks()

    def install_hooks(self) -> None:
        """The lower layers call these hooks; what they do lives up here (see ``portal.hooks``)."""
        from lifecycle import hooks as lifecycle_hooks
        from metrics.deployments.services.alerts import deployed_models_evaluate_for_link
        from metrics.evidence.services.decision import evidence_for_decision
        from metrics.evidence.services.reviews import review_evidence_context
        from metrics.mirror import hooks as mirror_hooks
        from metrics.snapshots.requests import compute_request_for_project

        lifecycle_hooks.project_changed.install(compute_request_for_project)
        lifecycle_hooks.decision_evidence.install(evidence_for_decision)
        lifecycle_hooks.review_evidence_context.install(review_evidence_context)
        # Production thresholds of the models monitored through a link are checked after each sync of it.
        mirror_hooks.experiment_link_synced.install(deployed_models_evaluate_for_link)
