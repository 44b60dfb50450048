"""The API router: every app's API urls under /api/v1/ (namespace "api"), the schema and Swagger UI.

Swagger UI's assets come from drf-spectacular-sidecar's static files: nothing is loaded from a CDN.
"""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .api_auth import TokenLoginView, TokenLogoutView

v1_patterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="auth-logout"),
    path("", include("lifecycle.api.urls")),
    path("", include("portfolio.api.urls")),
    path("", include("metrics.api.urls_inputs")),
    path("", include("metrics.api.urls_mlflow")),
    path("", include("metrics.api.urls_evidence")),
    path("", include("metrics.api.urls_snapshots")),
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("v1/", include((v1_patterns, "api"))),
]
