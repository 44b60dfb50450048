"""API routes of the inbox (mounted under /api/v1/, namespace "api")."""

from rest_framework.routers import SimpleRouter

from collaboration.inbox.api.views import InboxViewSet

router = SimpleRouter()
router.register("inbox", InboxViewSet, basename="inbox")

urlpatterns = router.urls
