"""API routes of the product inputs (mounted under /api/v1/, namespace "api"): flat collections filtered by
product; a product's events are under the product."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.product.api import views

router = SimpleRouter()
router.register("products", views.ProductViewSet, basename="product")
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("marketing-spend", views.MarketingSpendViewSet, basename="marketing-spend")
router.register("survey-responses", views.SurveyResponseViewSet, basename="survey-response")

urlpatterns = [
    *router.urls,
    path(
        "products/<int:product_pk>/events/",
        views.ProductEventViewSet.as_view({"get": "list", "post": "create"}),
        name="product-events",
    ),
]
