"""API routes of the scrum inputs (mounted under /api/v1/, namespace "api"): flat collections filtered by team."""

from rest_framework.routers import SimpleRouter

from metrics.scrum.api import views

router = SimpleRouter()
router.register("teams", views.TeamViewSet, basename="team")
router.register("sprints", views.SprintViewSet, basename="sprint")
router.register("work-items", views.WorkItemViewSet, basename="work-item")
router.register("retro-actions", views.RetroActionViewSet, basename="retro-action")
router.register("mood-votes", views.MoodVoteViewSet, basename="mood-vote")

urlpatterns = router.urls
