from django.contrib import admin
from django.urls import include, path

from portal import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api")),
    path("", include("portal.site_urls")),
    path("", include("lifecycle.urls")),
    path("", include("metrics.urls")),
    path("", include("collaboration.urls")),
]

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
