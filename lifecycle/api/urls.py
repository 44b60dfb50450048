"""Routes of the lifecycle API, mounted under /api/v1/ (namespace "api") by portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from lifecycle.api.views.artifacts import ArtifactVersionViewSet, ProjectArtifactViewSet
from lifecycle.api.views.charter import CharterVersionViewSet, CharterViewSet
from lifecycle.api.views.gates import GateActionViewSet, GateReviewViewSet, ProjectGateReviewViewSet
from lifecycle.api.views.projects import ProjectHistoryViewSet, ProjectViewSet
from lifecycle.api.views.raci import ActivityViewSet, ProjectActivityViewSet, RaciViewSet

router = SimpleRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("activities", ActivityViewSet, basename="activity")
router.register("artifact-versions", ArtifactVersionViewSet, basename="artifact-version")
router.register("gate-reviews", GateReviewViewSet, basename="gate-review")
router.register("gate-actions", GateActionViewSet, basename="gate-action")

# Sub-resources of one project: each viewset resolves the project among the user's visible ones first.
PROJECT = "projects/<int:project_pk>/"
project_routes = [
    path(f"{PROJECT}charter/", CharterViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="charter"),
    path(f"{PROJECT}charter/versions/", CharterVersionViewSet.as_view({"get": "list"}), name="charter-version-list"),
    path(
        f"{PROJECT}charter/versions/<int:number>/",
        CharterVersionViewSet.as_view({"get": "retrieve"}),
        name="charter-version-detail",
    ),
    path(
        f"{PROJECT}raci/",
        RaciViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="raci",
    ),
    path(
        f"{PROJECT}activities/",
        ProjectActivityViewSet.as_view({"get": "list", "post": "create"}),
        name="project-activity-list",
    ),
    path(
        f"{PROJECT}artifacts/",
        ProjectArtifactViewSet.as_view({"get": "retrieve", "post": "create"}),
        name="project-artifacts",
    ),
    path(f"{PROJECT}artifacts/waive/", ProjectArtifactViewSet.as_view({"post": "waive"}), name="artifact-waive"),
    path(
        f"{PROJECT}gate-reviews/",
        ProjectGateReviewViewSet.as_view({"get": "list", "post": "create"}),
        name="project-gate-review-list",
    ),
    path(f"{PROJECT}history/", ProjectHistoryViewSet.as_view({"get": "list"}), name="project-history"),
]

urlpatterns = [*router.urls, *project_routes]
