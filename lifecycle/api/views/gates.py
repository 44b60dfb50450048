"""Gate reviews: request, read, vote, decide; and completing a decision's conditions."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle import services
from lifecycle.api.base import ProjectChildViewSet
from lifecycle.api.serializers.gates import (
    GateActionSerializer,
    GateDecideSerializer,
    GateRequestSerializer,
    GateReviewSerializer,
    GateReviewSummarySerializer,
    GateVoteInputSerializer,
    GateVoteSerializer,
)
from lifecycle.models import GateAction, GateReview, GateVote
from lifecycle.selectors import project_gate_reviews
from lifecycle.services.raci import gate_people
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet


def _review_queryset() -> QuerySet[GateReview]:
    return GateReview.objects.select_related("project", "requested_by", "decided_by").prefetch_related(
        Prefetch("votes", queryset=GateVote.objects.select_related("voter")),
        Prefetch("actions", queryset=GateAction.objects.select_related("owner")),
    )


def review_data(review: GateReview) -> Any:
    review = _review_queryset().get(pk=review.pk)
    people = gate_people(review.project, review.phase)
    return GateReviewSerializer(review, context={"gate_people": people}).data


@extend_schema(tags=["gate reviews"])
class ProjectGateReviewViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's gate reviews, newest first. POST requests the review of the current phase."""

    queryset = GateReview.objects.all()
    serializer_class = GateReviewSummarySerializer
    pagination_class = None

    def get_base_queryset(self) -> QuerySet[GateReview]:
        return project_gate_reviews(self.get_project())

    @extend_schema(
        request=GateRequestSerializer,
        responses={201: GateReviewSerializer, **error_responses(400, 403, 404, 409)},
        summary="Request the gate review of the current phase (refused with the missing artifacts)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        given = GateRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        review = services.gate_review_request(
            actor=request.user, project=self.get_project(), note=given.validated_data["note"]
        )
        return Response(review_data(review), status=status.HTTP_201_CREATED)


@extend_schema(tags=["gate reviews"])
class GateReviewViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = GateReview.objects.all()
    serializer_class = GateReviewSerializer
    portfolio_field = "project__portfolio_id"

    def get_base_queryset(self) -> QuerySet[GateReview]:
        return _review_queryset()

    @extend_schema(responses={200: GateReviewSerializer, **error_responses(404)})
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(review_data(self.get_object()))

    @extend_schema(
        methods=["GET"], responses={200: GateVoteSerializer(many=True), **error_responses(404)}, summary="Votes"
    )
    @extend_schema(
        methods=["POST"],
        request=GateVoteInputSerializer,
        responses={201: GateVoteSerializer, **error_responses(400, 403, 404, 409)},
        summary="Vote (the gate's Accountable and Consulted people); a new vote replaces yours",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def votes(self, request: Request, pk: Any = None) -> Response:
        review = self.get_object()
        if request.method == "GET":
            return Response(GateVoteSerializer(review.votes.all(), many=True).data)
        given = GateVoteInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        ballot = services.gate_vote(actor=request.user, review=review, **given.validated_data)
        return Response(GateVoteSerializer(ballot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GateDecideSerializer,
        responses={200: GateReviewSerializer, **error_responses(400, 403, 404, 409)},
        summary="Decide the gate (its Accountable): go, conditional go, recycle or no-go",
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        review = self.get_object()
        given = GateDecideSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        review = services.gate_decide(
            actor=request.user,
            review=review,
            decision=data["decision"],
            rationale=data["rationale"],
            no_go_outcome=data["no_go_outcome"],
            actions=given.action_inputs(),
            override_reason=data["override_reason"],
        )
        return Response(review_data(review))


@extend_schema(tags=["gate reviews"])
class GateActionViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """A condition or rework item of a decision."""

    queryset = GateAction.objects.select_related("owner")
    serializer_class = GateActionSerializer
    portfolio_field = "review__project__portfolio_id"

    @extend_schema(
        request=None,
        responses={200: GateActionSerializer, **error_responses(403, 404, 409)},
        summary="Mark a condition or rework item complete (its owner or a manager)",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        gate_action = services.gate_action_complete(actor=request.user, action=self.get_object())
        return Response(GateActionSerializer(gate_action).data)
