"""Swagger UI and Redoc under the site's Content-Security-Policy: no inline script, nothing from a CDN.

Swagger UI's start-up script is served as a file by drf-spectacular's split view (the page loads
``?script``); its bundle, and Redoc's, come from drf-spectacular-sidecar's static files.
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response

from portal.middleware import policy_with

# Redoc runs its search index in a Web Worker built from a blob: URL.
REDOC_POLICY = policy_with(worker_src="'self' blob:")


class RedocView(SpectacularRedocView):
    # drf-spectacular's own template loads Google Fonts: ours is the same page without them.
    template_name = "api/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = REDOC_POLICY
        return response
