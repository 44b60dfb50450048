"""Routes of the token API, mounted under /api/v1/ (namespace "api") by portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from portal.tokens.api.views import SignOutEverywhereView, TokenViewSet

router = SimpleRouter()
router.register("tokens", TokenViewSet, basename="token")

urlpatterns = [
    # Beside auth/logout/ (this token): the fuzz tests leave auth/ alone, since this signs the caller out.
    path("auth/logout-all/", SignOutEverywhereView.as_view(), name="auth-logout-all"),
    *router.urls,
]
