"""Site shell: login, logout, and the role home pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from portal import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("home/manager/", views.home_manager, name="home-manager"),
    path("home/evidence/", views.home_evidence, name="home-evidence"),
]
