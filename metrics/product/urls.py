"""Pages of the metrics app: product (a model in production: usage and revenue)."""

from django.urls import path

from metrics.product import views as product

urlpatterns = [
    path("projects/<int:pk>/products/", product.product_list, name="product-list"),
    path("products/<int:pk>/funnel/", product.product_funnel, name="product-funnel"),
    path("products/<int:pk>/recompute/", product.product_recompute, name="product-recompute"),
    path("products/<int:pk>/customers/add/", product.product_entry, {"entry": "customer"}, name="product-customer-add"),
    path("products/<int:pk>/orders/add/", product.product_entry, {"entry": "order"}, name="product-order-add"),
    path("products/<int:pk>/spend/add/", product.product_entry, {"entry": "spend"}, name="product-spend-add"),
    path("products/<int:pk>/surveys/add/", product.product_entry, {"entry": "survey"}, name="product-survey-add"),
    path("products/<int:pk>/events/add/", product.product_entry, {"entry": "event"}, name="product-event-add"),
]
