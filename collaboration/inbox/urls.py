"""Pages of the inbox."""

from django.urls import path

from collaboration.inbox import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
]
