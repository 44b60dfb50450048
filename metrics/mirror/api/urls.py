"""API routes of the MLflow mirror: tracking servers and a project's links (mounted under /api/v1/, namespace "api")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.mirror.api.views import ExperimentLinkViewSet, ModelLinkViewSet, TrackingServerViewSet

router = SimpleRouter()
router.register("mlflow-servers", TrackingServerViewSet, basename="mlflow-server")

PROJECT = "projects/<int:project_pk>/"


def _link_routes(segment: str, viewset: type, name: str, detail: dict[str, str]) -> list:
    return [
        path(f"{PROJECT}{segment}/", viewset.as_view({"get": "list", "post": "create"}), name=f"{name}-list"),
        path(f"{PROJECT}{segment}/<int:link_pk>/", viewset.as_view(detail), name=f"{name}-detail"),
        path(f"{PROJECT}{segment}/<int:link_pk>/sync/", viewset.as_view({"post": "sync"}), name=f"{name}-sync"),
    ]


urlpatterns = [
    *router.urls,
    *_link_routes(
        "experiment-links",
        ExperimentLinkViewSet,
        "experiment-link",
        {"get": "retrieve", "patch": "partial_update", "delete": "destroy"},
    ),
    *_link_routes("model-links", ModelLinkViewSet, "model-link", {"get": "retrieve", "delete": "destroy"}),
]
