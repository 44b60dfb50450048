"""Routes of the notifications API, mounted under /api/v1/ (namespace "api") by portal/api.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from collaboration.notifications.api.views import NotificationPreferenceViewSet, NotificationViewSet

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path(
        "notification-preferences/",
        NotificationPreferenceViewSet.as_view({"get": "list", "put": "update_all"}),
        name="notification-preferences",
    ),
    *router.urls,
]
