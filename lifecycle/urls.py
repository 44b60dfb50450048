from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [
    path("projects/", TemplateView.as_view(template_name="base.html"), name="project-list"),
]
