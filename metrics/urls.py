"""Pages of the metrics app, one URL module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("metrics.urls_dashboards")),
    path("", include("metrics.urls_scrum")),
    path("", include("metrics.urls_product")),
    path("", include("metrics.urls_inputs")),
    path("", include("metrics.urls_mlflow")),
    path("", include("metrics.urls_evidence")),
]
