"""API routes of the metrics app: snapshots and the metric registry (mounted under /api/v1/, namespace "api")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.snapshots.api.views import MetricSnapshotViewSet, MetricViewSet

router = SimpleRouter()
router.register("metric-snapshots", MetricSnapshotViewSet, basename="metric-snapshot")

urlpatterns = [
    *router.urls,
    path("metrics/", MetricViewSet.as_view({"get": "list"}), name="metric-list"),
    path("metrics/<key>/", MetricViewSet.as_view({"get": "retrieve"}), name="metric-detail"),
]
