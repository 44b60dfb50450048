"""Site shell: login and logout (the role home pages are in ``metrics.dashboards``)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("portal.tokens.urls")),  # account/tokens/: one's API tokens, sign out everywhere
]
