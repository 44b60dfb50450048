"""API routes of deployed models and their alerts (mounted under /api/v1/, namespace "api")."""

from rest_framework.routers import SimpleRouter

from metrics.deployments.api.views import DeployedModelViewSet, ModelAlertViewSet

router = SimpleRouter()
router.register("deployed-models", DeployedModelViewSet, basename="deployed-model")
router.register("model-alerts", ModelAlertViewSet, basename="model-alert")

urlpatterns = router.urls
