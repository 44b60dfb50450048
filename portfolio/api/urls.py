"""Routes of the organization API, mounted under /api/v1/ (namespace "api") by portal/api.py."""

from rest_framework.routers import SimpleRouter

from portfolio.api.views import BusinessUnitViewSet, PortfolioViewSet, StrategicGoalViewSet

router = SimpleRouter()
router.register("portfolios", PortfolioViewSet, basename="portfolio")
router.register("business-units", BusinessUnitViewSet, basename="business-unit")
router.register("strategic-goals", StrategicGoalViewSet, basename="strategic-goal")

urlpatterns = router.urls
