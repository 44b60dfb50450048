"""The API router: every app's API urls under /api/v1/ (namespace "api"), the schema and Swagger UI.

Swagger UI's assets come from drf-spectacular-sidecar's static files: nothing is loaded from a CDN.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api_auth import TokenLoginView, TokenLogoutView

v1_patterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="auth-logout"),
    path("", include("lifecycle.api.urls")),
    path("", include("portfolio.api.urls")),
    path("", include("metrics.portfolio_inputs.api.urls")),
    path("", include("metrics.scrum.api.urls")),
    path("", include("metrics.product.api.urls")),
    path("", include("metrics.imports.api.urls")),
    path("", include("metrics.mirror.api.urls")),
    path("", include("metrics.deployments.api.urls")),
    path("", include("metrics.evidence.api.urls")),
    path("", include("metrics.snapshots.api.urls")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("v1/", include((v1_patterns, "api"))),
]
