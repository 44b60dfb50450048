"""Portfolio inputs: per project (budget, costs, allocations, time, status, risks, issues, benefits) and
capacity per person. Every write goes through the audited services of metrics.portfolio_inputs.services.resources."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle.api.base import ProjectChildViewSet
from metrics.portfolio_inputs import filters
from metrics.portfolio_inputs.api import serializers as shapes
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    RagOverride,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.portfolio_inputs.services import benefits, health, rag
from metrics.portfolio_inputs.services import resources as services
from portal.api_base import answer, validated
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.models import Membership

WRITE_ERRORS = error_responses(400, 403, 404)
STATE_ERRORS = error_responses(400, 403, 404, 409)

# --- budget and costs -----------------------------------------------------------------------------------------


@extend_schema(tags=["budget and costs"])
class BudgetPeriodViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's planned spend per month (BAC is their sum)."""

    queryset = BudgetPeriod.objects.all()
    serializer_class = shapes.BudgetPeriodSerializer
    filterset_class = filters.BudgetPeriodFilterSet

    @extend_schema(
        request=shapes.BudgetSetSerializer,
        responses={200: shapes.BudgetPeriodSerializer, **WRITE_ERRORS},
        summary="Set the budget of one month (managers); a month sent again is replaced",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.BudgetSetSerializer, self)
        row = services.budget_set(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.BudgetPeriodSerializer, row)


@extend_schema(tags=["budget and costs"])
class ProjectCostEntryViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's actual costs (AC)."""

    queryset = CostEntry.objects.all()
    serializer_class = shapes.CostEntrySerializer
    filterset_class = filters.CostEntryFilterSet

    def get_base_queryset(self) -> QuerySet[CostEntry]:
        return CostEntry.objects.select_related("created_by")

    @extend_schema(
        request=shapes.CostEntryInputSerializer,
        responses={201: shapes.CostEntrySerializer, **WRITE_ERRORS},
        summary="Record a cost (managers)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.CostEntryInputSerializer, self)
        entry = services.cost_entry_add(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.CostEntrySerializer, entry, created=True)


@extend_schema(tags=["budget and costs"])
class CostEntryViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """One cost entry; corrected (never deleted) with a reason kept in the audit trail."""

    queryset = CostEntry.objects.select_related("created_by")
    serializer_class = shapes.CostEntrySerializer
    portfolio_field = "project__portfolio_id"

    @extend_schema(
        request=shapes.CostEntryCorrectionSerializer,
        responses={200: shapes.CostEntrySerializer, **WRITE_ERRORS},
        summary="Correct a cost entry, saying why (managers)",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        entry = self.get_object()
        changes = dict(validated(shapes.CostEntryCorrectionSerializer, self))
        reason = changes.pop("reason")
        entry = services.cost_entry_update(actor=request.user, entry=entry, changes=changes, reason=reason)
        return answer(shapes.CostEntrySerializer, self.get_queryset().get(pk=entry.pk))


# --- people ---------------------------------------------------------------------------------------------------


@extend_schema(tags=["resources"])
class AllocationViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """Planned hours of people on the project, per ISO week."""

    queryset = Allocation.objects.all()
    serializer_class = shapes.AllocationSerializer
    filterset_class = filters.AllocationFilterSet

    def get_base_queryset(self) -> QuerySet[Allocation]:
        return Allocation.objects.select_related("person")

    @extend_schema(
        request=shapes.AllocationSetSerializer,
        responses={200: shapes.AllocationSerializer, **WRITE_ERRORS},
        summary="Allocate a person to the project for a week (managers); a week sent again is replaced",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.AllocationSetSerializer, self)
        row = services.allocation_set(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.AllocationSerializer, row)


@extend_schema(tags=["resources"])
class TimeEntryViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """Hours logged on the project."""

    queryset = TimeEntry.objects.all()
    serializer_class = shapes.TimeEntrySerializer
    filterset_class = filters.TimeEntryFilterSet

    def get_base_queryset(self) -> QuerySet[TimeEntry]:
        return TimeEntry.objects.select_related("person", "created_by")

    @extend_schema(
        request=shapes.TimeEntryInputSerializer,
        responses={201: shapes.TimeEntrySerializer, **WRITE_ERRORS},
        summary="Log time (your own; managers log for anyone of the portfolio)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = dict(validated(shapes.TimeEntryInputSerializer, self))
        person = data.pop("person", None) or request.user
        entry = services.time_entry_add(actor=request.user, person=person, project=self.get_project(), **data)
        return answer(shapes.TimeEntrySerializer, entry, created=True)


@extend_schema(tags=["resources"])
class CapacityViewSet(mixins.ListModelMixin, PortfolioScopedViewSet):
    """Working and leave hours per person and ISO week, for the people of your portfolios."""

    queryset = Capacity.objects.select_related("person")
    serializer_class = shapes.CapacitySerializer
    filterset_class = filters.CapacityFilterSet
    portfolio_field = "portfolio_id"  # of the person's memberships: see get_queryset

    def get_queryset(self) -> QuerySet[Capacity]:
        # Capacity belongs to a person, not a project: visible when the person is in one of your portfolios.
        members = self.scoped(Membership, self.portfolio_field).values("user_id")
        return self.get_base_queryset().filter(person_id__in=members)

    @extend_schema(
        request=shapes.CapacitySetSerializer,
        responses={200: shapes.CapacitySerializer, **WRITE_ERRORS},
        summary="Set a person's capacity for a week (managers of a portfolio the person belongs to)",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.CapacitySetSerializer, self)
        row = services.capacity_set(actor=request.user, **data)
        return answer(shapes.CapacitySerializer, row)


# --- status ---------------------------------------------------------------------------------------------------


@extend_schema(tags=["status reports"])
class StatusReportViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's status history, newest first (the first one is the current status)."""

    queryset = StatusReport.objects.all()
    serializer_class = shapes.StatusReportSerializer
    filterset_class = filters.StatusReportFilterSet

    def get_base_queryset(self) -> QuerySet[StatusReport]:
        return StatusReport.objects.select_related("author").order_by("-as_of", "-id")

    @extend_schema(
        request=shapes.StatusReportSubmitSerializer,
        responses={201: shapes.StatusReportSerializer, **WRITE_ERRORS},
        summary="Submit a status report (managers); shown beside the computed overall RAG",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.StatusReportSubmitSerializer, self)
        report = health.status_report_submit(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.StatusReportSerializer, report, created=True)


# --- risks and issues -----------------------------------------------------------------------------------------


@extend_schema(tags=["risks and issues"])
class ProjectRiskViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's risk register."""

    queryset = Risk.objects.all()
    serializer_class = shapes.RiskSerializer
    filterset_class = filters.RiskFilterSet

    def get_base_queryset(self) -> QuerySet[Risk]:
        return Risk.objects.select_related("owner")

    @extend_schema(
        request=shapes.RiskInputSerializer,
        responses={201: shapes.RiskSerializer, **WRITE_ERRORS},
        summary="Add a risk (managers)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.RiskInputSerializer, self)
        risk = health.risk_add(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.RiskSerializer, risk, created=True)


@extend_schema(tags=["risks and issues"])
class RiskViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Risk.objects.select_related("owner")
    serializer_class = shapes.RiskSerializer
    portfolio_field = "project__portfolio_id"

    @extend_schema(
        request=shapes.RiskUpdateSerializer,
        responses={200: shapes.RiskSerializer, **WRITE_ERRORS},
        summary="Re-assess a risk (managers)",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        changes = dict(validated(shapes.RiskUpdateSerializer, self))
        reason = changes.pop("reason")
        risk = health.risk_update(actor=request.user, risk=risk, changes=changes, reason=reason)
        return answer(shapes.RiskSerializer, self.get_queryset().get(pk=risk.pk))

    @extend_schema(
        request=shapes.RiskCloseSerializer,
        responses={200: shapes.RiskSerializer, **STATE_ERRORS},
        summary="Close a risk (managers)",
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        risk = self.get_object()
        data = validated(shapes.RiskCloseSerializer, self)
        risk = health.risk_close(actor=request.user, risk=risk, **data)
        return answer(shapes.RiskSerializer, self.get_queryset().get(pk=risk.pk))


@extend_schema(tags=["risks and issues"])
class ProjectIssueViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The project's issue log."""

    queryset = Issue.objects.all()
    serializer_class = shapes.IssueSerializer
    filterset_class = filters.IssueFilterSet

    def get_base_queryset(self) -> QuerySet[Issue]:
        return Issue.objects.select_related("owner")

    @extend_schema(
        request=shapes.IssueOpenSerializer,
        responses={201: shapes.IssueSerializer, **WRITE_ERRORS},
        summary="Open an issue (managers)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.IssueOpenSerializer, self)
        issue = health.issue_open(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.IssueSerializer, issue, created=True)


@extend_schema(tags=["risks and issues"])
class IssueViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Issue.objects.select_related("owner")
    serializer_class = shapes.IssueSerializer
    portfolio_field = "project__portfolio_id"

    @extend_schema(
        request=shapes.IssueCloseSerializer,
        responses={200: shapes.IssueSerializer, **STATE_ERRORS},
        summary="Close an issue (managers)",
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        issue = self.get_object()
        data = validated(shapes.IssueCloseSerializer, self)
        issue = health.issue_close(actor=request.user, issue=issue, **data)
        return answer(shapes.IssueSerializer, self.get_queryset().get(pk=issue.pk))


# --- benefits -------------------------------------------------------------------------------------------------


@extend_schema(tags=["benefits"])
class ProjectBenefitViewSet(mixins.ListModelMixin, ProjectChildViewSet):
    """The benefits the project promised (each measured per period)."""

    queryset = Benefit.objects.all()
    serializer_class = shapes.BenefitSerializer

    @extend_schema(
        request=shapes.BenefitInputSerializer,
        responses={201: shapes.BenefitSerializer, **WRITE_ERRORS},
        summary="Define a benefit, optionally tied to a charter success metric (managers)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.BenefitInputSerializer, self)
        benefit = benefits.benefit_add(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.BenefitSerializer, benefit, created=True)


@extend_schema(tags=["benefits"])
class BenefitViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Benefit.objects.all()
    serializer_class = shapes.BenefitSerializer
    portfolio_field = "project__portfolio_id"

    @extend_schema(
        methods=["GET"],
        responses={200: shapes.BenefitMeasurementSerializer(many=True), **error_responses(404)},
        summary="Planned and realized value per period, oldest first",
    )
    @extend_schema(
        methods=["POST"],
        request=shapes.BenefitMeasurementInputSerializer,
        responses={200: shapes.BenefitMeasurementSerializer, **WRITE_ERRORS},
        summary="Record a period's planned and realized value (managers); a period sent again is replaced",
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def measurements(self, request: Request, pk: Any = None) -> Response:
        benefit = self.get_object()
        if request.method == "GET":
            rows = BenefitMeasurement.objects.filter(benefit=benefit).order_by("period_end")
            return Response(shapes.BenefitMeasurementSerializer(rows, many=True).data)
        data = validated(shapes.BenefitMeasurementInputSerializer, self)
        row = benefits.benefit_measurement_record(actor=request.user, benefit=benefit, **data)
        return answer(shapes.BenefitMeasurementSerializer, row)


# --- a manager's override of the computed overall RAG -----------------------------------------------------------


@extend_schema(tags=["status reports"])
class RagOverrideViewSet(ProjectChildViewSet):
    """A manager's override of the project's computed overall RAG (the project's API shape shows the one in force)."""

    queryset = RagOverride.objects.all()
    serializer_class = shapes.RagOverrideSerializer

    def get_base_queryset(self) -> QuerySet[RagOverride]:
        return RagOverride.objects.select_related("created_by", "revoked_by")

    @extend_schema(
        request=shapes.RagOverrideSetSerializer,
        responses={201: shapes.RagOverrideSerializer, **error_responses(400, 403, 404)},
        summary="Override the computed overall RAG (managers; reason and last day required)",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.RagOverrideSetSerializer, self)
        override = rag.rag_override_set(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.RagOverrideSerializer, override, created=True)

    @extend_schema(
        request=shapes.RagOverrideRevokeSerializer,
        responses={200: shapes.RagOverrideSerializer, **error_responses(400, 403, 404, 409)},
        summary="Revoke the override in force (managers): the computed overall RAG shows again",
    )
    def destroy(self, request: Request, project_pk: Any = None) -> Response:
        data = validated(shapes.RagOverrideRevokeSerializer, self)
        revoked = rag.rag_override_revoke(actor=request.user, project=self.get_project(), **data)
        return answer(shapes.RagOverrideSerializer, revoked)
