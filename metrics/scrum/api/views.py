"""Scrum: teams, sprints (start, close, reopen), work items and their change log, retro actions, mood votes.
Writes go through metrics.scrum.services.sprints (team lock, change log, audit)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from metrics.scrum import filters
from metrics.scrum.api import serializers as shapes
from metrics.scrum.models import MoodVote, RetroAction, Sprint, Team, WorkItem, WorkItemChange
from metrics.scrum.services import sprints as services
from portal.api_base import answer, validated
from portal.api_exceptions import error_responses
from portal.models import User
from portfolio.api.base import PortfolioScopedViewSet

WRITE_ERRORS = error_responses(400, 403, 404)
STATE_ERRORS = error_responses(400, 403, 404, 409)


@extend_schema(tags=["scrum"])
class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Team.objects.all()
    serializer_class = shapes.TeamSerializer
    filterset_class = filters.TeamFilterSet
    portfolio_field = "portfolio_id"

    def get_base_queryset(self) -> QuerySet[Team]:
        return Team.objects.prefetch_related(Prefetch("members", queryset=User.objects.only("id")))

    @extend_schema(
        request=shapes.TeamCreateSerializer,
        responses={201: shapes.TeamSerializer, **WRITE_ERRORS},
        summary="Create a team (the portfolio's managers)",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.TeamCreateSerializer, self)
        team = services.team_create(actor=request.user, **data)
        return answer(shapes.TeamSerializer, self.get_queryset().get(pk=team.pk), created=True)


@extend_schema(tags=["scrum"])
class SprintViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Sprint.objects.all()
    serializer_class = shapes.SprintSerializer
    filterset_class = filters.SprintFilterSet
    portfolio_field = "team__portfolio_id"

    @extend_schema(
        request=shapes.SprintCreateSerializer,
        responses={201: shapes.SprintSerializer, **WRITE_ERRORS},
        summary="Plan a sprint (managers and the team's members)",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.SprintCreateSerializer, self)
        sprint = services.sprint_create(actor=request.user, **data)
        return answer(shapes.SprintSerializer, sprint, created=True)

    def _transition(self, service: Any, serializer_class: Any) -> Response:
        sprint = self.get_object()
        data = validated(serializer_class, self)
        sprint = service(actor=self.request.user, sprint=sprint, **data)
        return answer(shapes.SprintSerializer, self.get_queryset().get(pk=sprint.pk))

    @extend_schema(
        request=shapes.SprintMomentSerializer,
        responses={200: shapes.SprintSerializer, **STATE_ERRORS},
        summary="Start a planned sprint: its items at that moment are the commitment",
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: Any = None) -> Response:
        return self._transition(services.sprint_start, shapes.SprintMomentSerializer)

    @extend_schema(
        request=shapes.SprintMomentSerializer,
        responses={200: shapes.SprintSerializer, **STATE_ERRORS},
        summary="Close an active sprint (the first close freezes its summary)",
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        return self._transition(services.sprint_close, shapes.SprintMomentSerializer)

    @extend_schema(
        request=shapes.SprintReopenSerializer,
        responses={200: shapes.SprintSerializer, **STATE_ERRORS},
        summary="Reopen a closed sprint, saying why (its frozen summary stays)",
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        return self._transition(services.sprint_reopen, shapes.SprintReopenSerializer)


@extend_schema(tags=["scrum"])
class WorkItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = WorkItem.objects.all()
    serializer_class = shapes.WorkItemSerializer
    filterset_class = filters.WorkItemFilterSet
    portfolio_field = "team__portfolio_id"

    @extend_schema(
        request=shapes.WorkItemCreateSerializer,
        responses={201: shapes.WorkItemSerializer, **STATE_ERRORS},
        summary="Create a story, defect or task (managers and the team's members)",
    )
    def create(self, request: Request) -> Response:
        data = dict(validated(shapes.WorkItemCreateSerializer, self))
        item = services.work_item_create(actor=request.user, **data)
        return answer(shapes.WorkItemSerializer, item, created=True)

    @extend_schema(
        request=shapes.WorkItemUpdateSerializer,
        responses={200: shapes.WorkItemSerializer, **STATE_ERRORS},
        summary="Change an item: sprint, state, points or type changes are written to its change log",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        changes = dict(validated(shapes.WorkItemUpdateSerializer, self))
        at, reason = changes.pop("at"), changes.pop("reason")
        item = services.work_item_update(actor=request.user, item=item, changes=changes, at=at, reason=reason)
        return answer(shapes.WorkItemSerializer, self.get_queryset().get(pk=item.pk))

    @extend_schema(
        responses={200: shapes.WorkItemChangeSerializer(many=True), **error_responses(404)},
        summary="The item's change log, oldest first (read-only)",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def changes(self, request: Request, pk: Any = None) -> Response:
        item = self.get_object()
        rows = WorkItemChange.objects.filter(item=item).select_related("actor").order_by("at", "id")
        return Response(shapes.WorkItemChangeSerializer(rows, many=True).data)


@extend_schema(tags=["scrum"])
class RetroActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = RetroAction.objects.all()
    serializer_class = shapes.RetroActionSerializer
    filterset_class = filters.RetroActionFilterSet
    portfolio_field = "sprint__team__portfolio_id"

    def get_base_queryset(self) -> QuerySet[RetroAction]:
        return RetroAction.objects.select_related("owner")

    @extend_schema(
        request=shapes.RetroActionCreateSerializer,
        responses={201: shapes.RetroActionSerializer, **STATE_ERRORS},
        summary="Raise a retrospective action on a started sprint",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.RetroActionCreateSerializer, self)
        retro = services.retro_action_add(actor=request.user, **data)
        return answer(shapes.RetroActionSerializer, retro, created=True)

    @extend_schema(
        request=shapes.SprintMomentSerializer,
        responses={200: shapes.RetroActionSerializer, **STATE_ERRORS},
        summary="Close a retrospective action",
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        retro = self.get_object()
        data = validated(shapes.SprintMomentSerializer, self)
        retro = services.retro_action_close(actor=request.user, action=retro, **data)
        return answer(shapes.RetroActionSerializer, self.get_queryset().get(pk=retro.pk))


@extend_schema(tags=["scrum"])
class MoodVoteViewSet(mixins.ListModelMixin, PortfolioScopedViewSet):
    """Mood votes (1-5) per sprint; the voter is not shown."""

    queryset = MoodVote.objects.all()
    serializer_class = shapes.MoodVoteSerializer
    filterset_class = filters.MoodVoteFilterSet
    portfolio_field = "sprint__team__portfolio_id"

    @extend_schema(
        request=shapes.MoodVoteInputSerializer,
        responses={200: shapes.MoodVoteSerializer, **STATE_ERRORS},
        summary="Vote your mood for a started sprint (the team's members); voting again replaces it",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.MoodVoteInputSerializer, self)
        vote = services.mood_vote_record(actor=request.user, **data)
        return answer(shapes.MoodVoteSerializer, vote)
