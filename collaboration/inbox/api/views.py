"""GET /api/v1/inbox/: what the caller owes, the same rows as the /inbox/ page, paginated, filtered by kind."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from collaboration.inbox.api.serializers import InboxRowSerializer
from collaboration.inbox.choices import InboxKind
from collaboration.inbox.selectors import inbox_rows
from lifecycle.models import GateReview
from portal.api_exceptions import error_responses
from portal.exceptions import ValidationFailed
from portfolio.api.base import PortfolioScopedViewSet

KIND = OpenApiParameter("kind", str, enum=InboxKind.values, description="Only the rows of this kind.")


@extend_schema(tags=["inbox"])
class InboxViewSet(PortfolioScopedViewSet):
    """The caller's own rows, read by ``collaboration.inbox.selectors`` from the projects of their portfolios
    (``projects_visible_to``): another portfolio's rows never appear. Nothing to mark: a row leaves when its work
    is done (the review decided or voted on, the evidence attached, the condition completed, the alert resolved)."""

    portfolio_field = "project__portfolio_id"
    serializer_class = InboxRowSerializer
    filter_backends: list[Any] = []  # rows are not a queryset; `kind` is read below

    def get_base_queryset(self) -> QuerySet[GateReview]:
        return GateReview.objects.none()  # no model of its own: see list()

    @extend_schema(
        parameters=[KIND],
        responses={200: InboxRowSerializer(many=True), **error_responses(400)},
        summary="What waits for me: decisions, votes, evidence asked, conditions and rework, model alerts",
    )
    def list(self, request: Request) -> Response:
        wanted = request.query_params.get("kind", "")
        if wanted and wanted not in InboxKind.values:
            kinds = ", ".join(InboxKind.values)
            raise ValidationFailed(f"'{wanted[:40]}' is not a kind of inbox row.", details={"kind": f"One of {kinds}."})
        rows = inbox_rows(request.user, kind=InboxKind(wanted) if wanted else None)
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]  # a list pages like a queryset
        return self.get_paginated_response(InboxRowSerializer(page, many=True).data)
