"""Pages of one's notifications, mounted at the site root by collaboration/urls.py."""

from django.urls import path, re_path

from collaboration.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    # At most 18 digits: an id past a 64-bit integer is a 404, not an overflow in the database adapter.
    re_path(r"^notifications/(?P<pk>[0-9]{1,18})/read/$", views.notification_read, name="notification-read"),
    path("account/notifications/", views.notification_preferences, name="account-notifications"),
]
