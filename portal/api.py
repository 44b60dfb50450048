"""The API router: every app's API urls under /api/v1/ (namespace "api"), the schema, Swagger UI and Redoc.

Swagger UI's and Redoc's assets come from drf-spectacular-sidecar's static files: nothing is loaded from a CDN,
and no inline script runs (see portal/api_docs.py), so both work under the site's Content-Security-Policy.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api_auth import TokenLoginView, TokenLogoutView
from portal.api_docs import RedocView
from portal.api_exceptions import api_not_found

v1_patterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="auth-logout"),
    path("", include("portal.tokens.api.urls")),  # tokens/ (one's own) and auth/logout-all/
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
    path("", include("collaboration.notifications.api.urls")),  # one's own notifications and preferences
    path("", include("collaboration.inbox.api.urls")),
    path("", include("collaboration.comments.api.urls")),
    path("", include("collaboration.webhooks.api.urls")),  # a portfolio's outgoing webhooks (its managers)
]

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path("v1/", include((v1_patterns, "api"))),
    # Last: whatever no route above matches is a JSON 404, with DEBUG on too (never Django's HTML page).
    re_path(r"^.*$", api_not_found, name="api-not-found"),
]
