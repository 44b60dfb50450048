"""Pages of the metrics app, one URL module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("metrics.dashboards.urls")),
    path("", include("metrics.scrum.urls")),
    path("", include("metrics.product.urls")),
    path("", include("metrics.portfolio_inputs.urls")),
    path("", include("metrics.mirror.urls")),
    path("", include("metrics.deployments.urls")),
    path("", include("metrics.imports.urls")),
    path("", include("metrics.evidence.urls")),
]
