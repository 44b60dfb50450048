"""Routes of the comments API, mounted under /api/v1/ (namespace "api") by portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from collaboration.comments.api import views

router = SimpleRouter()
router.register("comments", views.CommentViewSet, basename="comment")

THREAD = {"get": "list", "post": "create"}
urlpatterns = [
    path(
        "gate-reviews/<int:review_pk>/comments/",
        views.GateReviewCommentViewSet.as_view(THREAD),
        name="gate-review-comments",
    ),
    path(
        "projects/<int:project_pk>/charter/comments/",
        views.CharterCommentViewSet.as_view(THREAD),
        name="charter-comments",
    ),
    path(
        "artifacts/<int:artifact_pk>/comments/", views.ArtifactCommentViewSet.as_view(THREAD), name="artifact-comments"
    ),
    path(
        "model-alerts/<int:alert_pk>/comments/",
        views.ModelAlertCommentViewSet.as_view(THREAD),
        name="model-alert-comments",
    ),
    *router.urls,
]
