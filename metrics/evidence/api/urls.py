"""API routes of the metrics app: evidence (mounted under /api/v1/, namespace "api")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.evidence.api.views import (
    GateRuleViewSet,
    ProjectRunViewSet,
    ReviewCriteriaViewSet,
    ReviewEvidenceRequestViewSet,
    ReviewEvidenceViewSet,
)

router = SimpleRouter()
router.register("gate-rules", GateRuleViewSet, basename="gate-rule")

REVIEW = "gate-reviews/<int:review_pk>/"
urlpatterns = [
    *router.urls,
    path(
        f"{REVIEW}evidence/",
        ReviewEvidenceViewSet.as_view({"get": "retrieve", "post": "create"}),
        name="gate-review-evidence",
    ),
    path(
        f"{REVIEW}evidence/<int:evidence_pk>/",
        ReviewEvidenceViewSet.as_view({"delete": "destroy"}),
        name="gate-review-evidence-detail",
    ),
    path(
        f"{REVIEW}evidence-requests/",
        ReviewEvidenceRequestViewSet.as_view({"get": "list", "post": "create"}),
        name="gate-review-evidence-requests",
    ),
    path(
        f"{REVIEW}evidence-requests/<int:request_pk>/withdraw/",
        ReviewEvidenceRequestViewSet.as_view({"post": "withdraw"}),
        name="gate-review-evidence-request-withdraw",
    ),
    path(f"{REVIEW}criteria/", ReviewCriteriaViewSet.as_view({"get": "retrieve"}), name="gate-review-criteria"),
    path("projects/<int:project_pk>/runs/", ProjectRunViewSet.as_view({"get": "list"}), name="project-runs"),
]
