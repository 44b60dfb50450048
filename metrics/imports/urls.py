"""The CSV import page of every registered kind, into one scope (a project, a team, a portfolio...)."""

from django.urls import path

from metrics.imports import views

urlpatterns = [
    path("imports/<slug:kind>/<int:scope_pk>/", views.import_page, name="import-csv"),
]
