"""The RACI grid of a project, and its phase checklist (activities)."""

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle import services
from lifecycle.api.base import ProjectChildViewSet
from lifecycle.api.serializers.raci import (
    ActivityCreateSerializer,
    ActivityRemoveSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    RaciGridSerializer,
    RaciUpdateSerializer,
)
from lifecycle.models import Activity, Project, RaciAssignment
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.models import Membership


def _portfolio_people(project: Project) -> list[dict[str, Any]]:
    roles: dict[int, list[str]] = defaultdict(list)
    users: dict[int, Any] = {}
    for membership in Membership.objects.filter(portfolio_id=project.portfolio_id).select_related("user"):
        roles[membership.user_id].append(membership.role)
        users[membership.user_id] = membership.user
    return [{"user": users[user_id], "roles": sorted(roles[user_id])} for user_id in sorted(users)]


@extend_schema(tags=["raci"])
class RaciViewSet(ProjectChildViewSet):
    """GET the grid; PATCH sets the cells sent; PUT replaces the whole grid (cells not sent are cleared)."""

    queryset = Activity.objects.all()
    serializer_class = RaciGridSerializer

    def get_base_queryset(self) -> QuerySet[Activity]:
        assignments = RaciAssignment.objects.select_related("user").order_by("role", "user__username")
        return Activity.objects.prefetch_related(Prefetch("assignments", queryset=assignments)).order_by(
            "position", "id"
        )

    def _grid(self) -> Response:
        project = self.get_project()
        grid = {"activities": list(self.get_queryset()), "people": _portfolio_people(project)}
        return Response(RaciGridSerializer(grid).data)

    @extend_schema(responses={200: RaciGridSerializer, **error_responses(404)}, summary="Read the RACI grid")
    def retrieve(self, request: Request, project_pk: Any = None) -> Response:
        return self._grid()

    def _update(self, request: Request, replace: bool) -> Response:
        project = self.get_project()
        given = RaciUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        assignments: dict[int, dict[int, str | None]] = {}
        if replace:  # start from "clear every current cell", then lay the sent cells over it
            for activity_id, user_id in RaciAssignment.objects.filter(activity__project=project).values_list(
                "activity_id", "user_id"
            ):
                assignments.setdefault(activity_id, {})[user_id] = None
        for cell in given.validated_data["cells"]:
            assignments.setdefault(cell["activity"], {})[cell["user"]] = cell["role"] or None
        services.raci_update(
            actor=request.user, project=project, assignments=assignments, reason=given.validated_data["reason"]
        )
        return self._grid()

    @extend_schema(
        request=RaciUpdateSerializer,
        responses={200: RaciGridSerializer, **error_responses(400, 403, 404)},
        summary="Replace the RACI grid",
    )
    def update(self, request: Request, project_pk: Any = None) -> Response:
        return self._update(request, replace=True)

    @extend_schema(
        request=RaciUpdateSerializer,
        responses={200: RaciGridSerializer, **error_responses(400, 403, 404)},
        summary="Set cells of the RACI grid",
    )
    def partial_update(self, request: Request, project_pk: Any = None) -> Response:
        return self._update(request, replace=False)


@extend_schema(tags=["checklist"])
class ProjectActivityViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's checklist, all phases, in order."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    pagination_class = None

    def get_base_queryset(self) -> QuerySet[Activity]:
        return Activity.objects.order_by("position", "id")

    @extend_schema(
        request=ActivityCreateSerializer,
        responses={201: ActivitySerializer, **error_responses(400, 403, 404)},
        summary="Add an activity to a phase's checklist",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        given = ActivityCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        activity = services.activity_add(actor=request.user, project=self.get_project(), **given.validated_data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["checklist"])
class ActivityViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """One checklist line: rename, tick or untick, remove (the gate line cannot be removed)."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    portfolio_field = "project__portfolio_id"

    @extend_schema(
        request=ActivityUpdateSerializer,
        responses={200: ActivitySerializer, **error_responses(400, 403, 404)},
        summary="Rename an activity or mark it done",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        given = ActivityUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():  # a rename and a tick sent together succeed or fail together
            if "name" in given.validated_data:
                activity = services.activity_rename(
                    actor=request.user, activity=activity, name=given.validated_data["name"]
                )
            if "done" in given.validated_data:
                activity = services.activity_set_done(
                    actor=request.user, activity=activity, done=given.validated_data["done"]
                )
        return Response(ActivitySerializer(activity).data)

    @extend_schema(
        request=ActivityRemoveSerializer,
        responses={204: None, **error_responses(400, 403, 404, 409)},
        summary="Remove an activity",
    )
    def destroy(self, request: Request, pk: Any = None) -> Response:
        activity = self.get_object()
        given = ActivityRemoveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.activity_remove(actor=request.user, activity=activity, reason=given.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)
