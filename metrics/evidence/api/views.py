"""Evidence API: a review's MLflow evidence (list, attach, detach), its automated criteria, the gate rules, and the
search of a project's runs (same filters as the page: metrics.evidence.run_search).

Every viewset is scoped by portal.api_base.PortfolioScopedViewSet: the review or project is looked up among the
user's portfolios first, so outsiders get 404 whatever they send. Writes go through the same services as the UI.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle.api.base import PROJECT_PK, ProjectChildViewSet
from lifecycle.models import GateReview, Project
from metrics.evidence.api.serializers import (
    CriteriaSerializer,
    EvidenceAttachSerializer,
    EvidenceRequestCreateSerializer,
    EvidenceRequestSerializer,
    EvidenceRequestWithdrawSerializer,
    EvidenceSerializer,
    GateRuleSerializer,
    GateRuleUpdateSerializer,
    ReviewEvidenceSerializer,
    RunSerializer,
)
from metrics.evidence.filters import GateRuleFilterSet
from metrics.evidence.models import EvidenceRequest, GateEvidence, GateRule
from metrics.evidence.rules import not_passed
from metrics.evidence.run_search import KEY_MAX, MAX_FILTERS, run_query_checked, runs_search
from metrics.evidence.services import requests as request_services
from metrics.evidence.services import reviews as evidence_services
from metrics.evidence.services import rules as rule_services
from metrics.mirror.models import MlflowRun
from portal.api_exceptions import error_responses
from portal.exceptions import ValidationFailed
from portal.filters import SEARCH_MAX
from portal.models import User
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.models import Membership, Portfolio

# What metrics.evidence.run_search reads, as patterns: a key (at most KEY_MAX characters), an operator, a finite number;
# a non-blank key, "=", any value.
METRIC_FILTER_PATTERN = rf"^[^<>=\s][^<>=]{{0,{KEY_MAX - 1}}}(>=|<=|>|<|=)-?[0-9]{{1,15}}(\.[0-9]{{1,15}})?$"
PAIR_FILTER_PATTERN = rf"^[^=\s][^=]{{0,{KEY_MAX - 1}}}=.*$"
REVIEW_PK = OpenApiParameter("review_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The gate review's id.")
EVIDENCE_PK = OpenApiParameter("evidence_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The evidence id.")
REQUEST_PK = OpenApiParameter(
    "request_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The evidence request's id."
)
RUN_FILTERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "maxLength": SEARCH_MAX},
        description="Text in the run name, or the start of the run id.",
    ),
    OpenApiParameter(
        "metric",
        {"type": "array", "items": {"type": "string", "pattern": METRIC_FILTER_PATTERN}, "maxItems": MAX_FILTERS},
        description="Metric threshold `key>=number` (>=, >, <=, <, =), repeatable.",
    ),
    OpenApiParameter(
        "param",
        {"type": "array", "items": {"type": "string", "pattern": PAIR_FILTER_PATTERN}, "maxItems": MAX_FILTERS},
        description="Param `key=value`, repeatable.",
    ),
    OpenApiParameter(
        "tag",
        {"type": "array", "items": {"type": "string", "pattern": PAIR_FILTER_PATTERN}, "maxItems": MAX_FILTERS},
        description="Tag `key=value`, repeatable.",
    ),
    OpenApiParameter("status", OpenApiTypes.STR, enum=["FINISHED", "RUNNING", "FAILED", "KILLED", "SCHEDULED"]),
    OpenApiParameter("sort", OpenApiTypes.STR, description="A metric key; `-key` for highest first."),
    OpenApiParameter("deleted", OpenApiTypes.BOOL, description="Include runs deleted in MLflow."),
]


def _item(evidence: GateEvidence, snapshot: dict[str, Any], state: evidence_services.ReviewEvidence) -> dict[str, Any]:
    return {
        "id": evidence.pk,
        "kind": evidence.kind,
        "label": evidence_services.evidence_label(snapshot),
        "note": evidence.note,
        "attached_by": evidence.attached_by,
        "attached_at": evidence.attached_at,
        "snapshot": snapshot,
        "attached_snapshot": evidence.snapshot,
        "decision_snapshot": evidence.decision_snapshot,
        "changes": [change.as_dict() for change in state.changes_of(evidence.pk)],
    }


class ReviewChildViewSet(PortfolioScopedViewSet):
    """A sub-resource of gate-reviews/{review_pk}/: the review is found among the user's reviews first."""

    portfolio_field = "review__project__portfolio_id"
    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_review()

    def get_review(self) -> GateReview:
        if not hasattr(self, "_review"):
            reviews = self.scoped(GateReview.objects.select_related("project__portfolio"), "project__portfolio_id")
            self._review = get_object_or_404(reviews, pk=self.kwargs["review_pk"])
        return self._review


@extend_schema(tags=["gate evidence"], parameters=[REVIEW_PK])
class ReviewEvidenceViewSet(ReviewChildViewSet):
    queryset = GateEvidence.objects.all()
    serializer_class = EvidenceSerializer

    def _state_response(self) -> Response:
        review = self.get_review()
        state = evidence_services.review_evidence_state(review)
        body = {
            "review": review.pk,
            "status": review.status,
            "changed_since_decision": state.changed_since_decision,
            "changes": [change.as_dict() for change in state.changes],
            "items": [_item(item, snapshot, state) for item, snapshot in state.rows],
        }
        return Response(ReviewEvidenceSerializer(body).data)

    @extend_schema(
        responses={200: ReviewEvidenceSerializer, **error_responses(404)},
        summary="The review's MLflow evidence; once decided, what changed in MLflow since the decision",
    )
    def retrieve(self, request: Request, review_pk: Any = None) -> Response:
        return self._state_response()

    @extend_schema(
        request=EvidenceAttachSerializer,
        responses={201: EvidenceSerializer, **error_responses(400, 403, 404, 409)},
        summary="Attach a run (run_id) or a model version (model_name, version) of the project's links",
    )
    def create(self, request: Request, review_pk: Any = None) -> Response:
        given = EvidenceAttachSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        review = self.get_review()
        if data["run_id"].strip():
            evidence = evidence_services.evidence_attach_run(
                actor=request.user, review=review, run_id=data["run_id"], note=data["note"]
            )
        else:
            evidence = evidence_services.evidence_attach_model_version(
                actor=request.user,
                review=review,
                model_name=data["model_name"],
                version=data["version"],
                note=data["note"],
            )
        evidence = evidence_services.review_evidence(review).get(pk=evidence.pk)
        state = evidence_services.ReviewEvidence(rows=[], results=[])
        body = _item(evidence, evidence_services.live_snapshot(evidence), state)
        return Response(EvidenceSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[EVIDENCE_PK],
        request=None,
        responses={204: None, **error_responses(403, 404, 409)},
        summary="Detach evidence (open reviews only; a decided review's evidence is frozen)",
    )
    def destroy(self, request: Request, review_pk: Any = None, evidence_pk: Any = None) -> Response:
        evidence = get_object_or_404(self.get_queryset(), pk=evidence_pk, review=self.get_review())
        evidence_services.evidence_detach(actor=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["gate evidence"], parameters=[REVIEW_PK])
class ReviewEvidenceRequestViewSet(ReviewChildViewSet):
    """Evidence asked of people on a review. Asked by the gate's Accountable, the project's managers or the review's
    requester; fulfilled when the asked person attaches evidence to the review; withdrawn by those who may ask."""

    queryset = EvidenceRequest.objects.select_related("asked", "requested_by", "closed_by").order_by(
        "requested_at", "pk"
    )
    serializer_class = EvidenceRequestSerializer
    pagination_class = PageNumberPagination  # type: ignore[assignment]  # a list like the others (ReviewChildViewSet answers single objects)

    def get_base_queryset(self) -> QuerySet[EvidenceRequest]:
        return self.queryset.filter(review=self.get_review())  # type: ignore[union-attr]

    @extend_schema(
        responses={200: EvidenceRequestSerializer(many=True), **error_responses(404)},
        summary="Evidence asked on the review, oldest first (open, fulfilled and withdrawn)",
    )
    def list(self, request: Request, review_pk: Any = None) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EvidenceRequestSerializer(page, many=True).data)

    @extend_schema(
        request=EvidenceRequestCreateSerializer,
        responses={201: EvidenceRequestSerializer, **error_responses(400, 403, 404, 409)},
        summary="Ask a person for evidence on the open review (it shows in their inbox)",
    )
    def create(self, request: Request, review_pk: Any = None) -> Response:
        given = EvidenceRequestCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        review = self.get_review()
        members = Membership.objects.filter(portfolio_id=review.project.portfolio_id).values("user_id")
        asked = User.objects.filter(pk__in=members, pk=given.validated_data["asked"]).first()
        if asked is None:
            raise ValidationFailed("No such member of the review's portfolio.", details={"asked": "Unknown."})
        created = request_services.evidence_request(
            actor=request.user, review=review, asked=asked, note=given.validated_data["note"]
        )
        return Response(EvidenceRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[REQUEST_PK],
        request=EvidenceRequestWithdrawSerializer,
        responses={200: EvidenceRequestSerializer, **error_responses(400, 403, 404, 409)},
        summary="Withdraw an open request (it leaves the asked person's inbox)",
    )
    def withdraw(self, request: Request, review_pk: Any = None, request_pk: Any = None) -> Response:
        asked = get_object_or_404(self.get_queryset(), pk=request_pk)
        given = EvidenceRequestWithdrawSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        withdrawn = request_services.evidence_request_withdraw(
            actor=request.user, request=asked, reason=given.validated_data["reason"]
        )
        return Response(EvidenceRequestSerializer(withdrawn).data)


@extend_schema(tags=["gate evidence"], parameters=[REVIEW_PK])
class ReviewCriteriaViewSet(ReviewChildViewSet):
    queryset = GateEvidence.objects.all()
    serializer_class = CriteriaSerializer

    @extend_schema(
        responses={200: CriteriaSerializer, **error_responses(404)},
        summary="Automated criteria of the review: evaluated now while open, as stored with the decision after",
    )
    def retrieve(self, request: Request, review_pk: Any = None) -> Response:
        review = self.get_review()
        state = evidence_services.review_evidence_state(review)
        body = {
            "review": review.pk,
            "status": review.status,
            "evaluated": "at_decision" if state.decided else "now",
            "override_reason": review.override_reason,
            "all_passed": not not_passed(state.results),
            "results": [result.as_dict() for result in state.results],
        }
        return Response(CriteriaSerializer(body).data)


@extend_schema(tags=["gate evidence"])
class GateRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """Automated gate criteria of the user's portfolios.

    There is no DELETE: decided reviews keep the results a rule gave them, so a rule stops applying by being
    deactivated (POST deactivate/, or PATCH is_active) and stays readable, with its audit trail.
    """

    queryset = GateRule.objects.order_by("portfolio_id", "phase", "pk")
    serializer_class = GateRuleSerializer
    portfolio_field = "portfolio_id"
    filterset_class = GateRuleFilterSet

    @extend_schema(
        request=GateRuleSerializer,
        responses={201: GateRuleSerializer, **error_responses(400, 403, 404)},
        summary="Add a rule (the portfolio's program and project managers)",
    )
    def create(self, request: Request) -> Response:
        given = GateRuleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        portfolio = get_object_or_404(self.scoped(Portfolio, "pk"), pk=data.pop("portfolio_id"))
        project_id = data.pop("project_id")
        project = None
        if project_id is not None:
            project = Project.objects.filter(pk=project_id, portfolio=portfolio).first()
            if project is None:
                raise ValidationFailed("No such project in this portfolio.", details={"project": "Unknown."})
        rule = rule_services.gate_rule_create(
            actor=request.user,
            portfolio=portfolio,
            project=project,
            phase=data.pop("phase"),
            kind=data.pop("kind"),
            **data,
        )
        return Response(GateRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=GateRuleUpdateSerializer,
        responses={200: GateRuleSerializer, **error_responses(400, 403, 404)},
        summary="Change a rule's keys, threshold, description, or (de)activate it",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        rule = self.get_object()
        given = GateRuleUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        rule = rule_services.gate_rule_update(actor=request.user, rule=rule, **given.validated_data)
        return Response(GateRuleSerializer(rule).data)

    @extend_schema(
        request=None,
        responses={200: GateRuleSerializer, **error_responses(403, 404)},
        summary="Deactivate a rule: it no longer applies to open reviews and stays for the decisions it judged",
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None) -> Response:
        rule = rule_services.gate_rule_deactivate(actor=request.user, rule=self.get_object())
        return Response(GateRuleSerializer(rule).data)


@extend_schema(tags=["gate evidence"], parameters=[PROJECT_PK])
class ProjectRunViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """Runs of the project's linked experiments, searched with the same filters as the evidence page."""

    queryset = MlflowRun.objects.all()
    serializer_class = RunSerializer
    filter_backends: list[Any] = []  # the run filters are read by metrics.evidence.run_search, not django-filter

    def get_queryset(self) -> QuerySet[MlflowRun]:
        if getattr(self, "swagger_fake_view", False):
            return MlflowRun.objects.none()
        # The project was found among the user's portfolios (ProjectChildViewSet.initial): its runs are scoped.
        runs = evidence_services.runs_linked_to(self.get_project()).select_related("server")
        text = self.request.query_params.get("q", "")
        if len(text) > SEARCH_MAX:
            raise ValidationFailed("The search text is too long.", details={"q": f"At most {SEARCH_MAX} characters."})
        return runs_search(runs, run_query_checked(self.request.query_params))

    @extend_schema(
        parameters=RUN_FILTERS,
        responses={200: RunSerializer(many=True), **error_responses(400, 404)},
        summary="Search the runs of the project's linked experiments",
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
