"""API routes of the CSV imports of every area (mounted under /api/v1/, namespace "api")."""

from django.urls import path

from metrics.imports.api.views import ImportViewSet

urlpatterns = [
    path("imports/", ImportViewSet.as_view({"get": "list"}), name="import-list"),
    path("imports/<kind>/", ImportViewSet.as_view({"get": "retrieve", "post": "upload"}), name="import-detail"),
]
