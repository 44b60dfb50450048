"""Pages of the collaboration app, one URL module per area."""

from django.urls import include, path

urlpatterns: list = [
    path("", include("collaboration.inbox.urls")),
    path("", include("collaboration.notifications.urls")),  # notifications/, account/notifications/
    path("", include("collaboration.comments.urls")),  # comments/..., projects/<id>/mentions/
]
