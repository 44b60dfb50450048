"""Projects: list (shared FilterSet), detail, create, update, resume, and the audit history."""

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle import services
from lifecycle.api.base import ProjectChildViewSet
from lifecycle.api.serializers.projects import (
    AuditRecordSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ResumeSerializer,
)
from lifecycle.audit_filters import ProjectHistoryFilterSet
from lifecycle.filters import ProjectFilterSet
from lifecycle.models import AuditRecord, Project
from lifecycle.selectors import project_history, project_list
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet


@extend_schema(tags=["projects"])
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    portfolio_field = "portfolio_id"
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    queryset = Project.objects.all()

    def get_base_queryset(self) -> QuerySet[Project]:
        return project_list(self.request.user)

    def _reloaded(self, project: Project) -> Any:
        return ProjectSerializer(self.get_queryset().get(pk=project.pk), context=self.get_serializer_context()).data

    @extend_schema(
        request=ProjectCreateSerializer,
        responses={201: ProjectSerializer, **error_responses(400, 403)},
        summary="Create a project (portfolio managers)",
    )
    def create(self, request: Request) -> Response:
        given = ProjectCreateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        project = services.project_create(actor=request.user, **given.validated_data)
        return Response(self._reloaded(project), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ProjectUpdateSerializer,
        responses={200: ProjectSerializer, **error_responses(400, 403, 404)},
        summary="Edit a project's fields (portfolio managers)",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        project = self.get_object()
        given = ProjectUpdateSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        changes = dict(given.validated_data)
        reason = changes.pop("reason", "")
        project = services.project_update(actor=request.user, project=project, changes=changes, reason=reason)
        return Response(self._reloaded(project))

    @extend_schema(
        request=ResumeSerializer,
        responses={200: ProjectSerializer, **error_responses(400, 403, 404, 409)},
        summary="Take a project off hold (executives)",
    )
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: Any = None) -> Response:
        project = self.get_object()
        given = ResumeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        project = services.project_resume(actor=request.user, project=project, reason=given.validated_data["reason"])
        return Response(self._reloaded(project))


class ProjectHistoryFilterBackend(DjangoFilterBackend):
    """The history's FilterSet offers the people of the view's project."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet[AuditRecord], view: Any) -> dict[str, Any]:
        return {**super().get_filterset_kwargs(request, queryset, view), "project": view.get_project()}


@extend_schema(tags=["projects"], responses={200: AuditRecordSerializer(many=True), **error_responses(400, 404)})
class ProjectHistoryViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's audit trail, newest first, filtered like the history page (kind, actor, since, until)."""

    serializer_class = AuditRecordSerializer
    queryset = AuditRecord.objects.all()
    filter_backends = [ProjectHistoryFilterBackend]
    filterset_class = ProjectHistoryFilterSet

    def get_base_queryset(self) -> QuerySet[AuditRecord]:
        return project_history(self.get_project())
