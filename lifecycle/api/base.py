"""Pieces shared by the lifecycle API views: sub-resources of one project."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request

from lifecycle.models import Project
from portfolio.api.base import PortfolioScopedViewSet

PROJECT_PK = OpenApiParameter("project_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The project's id.")


@extend_schema(parameters=[PROJECT_PK])
class ProjectChildViewSet(PortfolioScopedViewSet):
    """A sub-resource under projects/{project_pk}/.

    The project itself is looked up among the user's visible projects before anything else (even
    before the body is read), so an outsider gets 404 whatever method or payload they send.
    """

    portfolio_field = "project__portfolio_id"
    project_field = "project"  # lookup path from the model to its project

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_project()

    def get_project(self) -> Project:
        if not hasattr(self, "_project"):
            projects = self.scoped(Project.objects.select_related("portfolio", "owner", "sponsor"), "portfolio_id")
            self._project = get_object_or_404(projects, pk=self.kwargs["project_pk"])
        return self._project

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no project
            return type(self).queryset.none()  # type: ignore[union-attr]
        return super().get_queryset().filter(**{self.project_field: self.get_project()})
