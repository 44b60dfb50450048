"""Routes of the webhooks API, mounted under /api/v1/ (namespace "api") by portal/api.py."""

from rest_framework.routers import SimpleRouter

from collaboration.webhooks.api.views import WebhookViewSet

router = SimpleRouter()
router.register("webhooks", WebhookViewSet, basename="webhook")

urlpatterns = router.urls
