"""The charter: read with its version and ETag, edit with optimistic concurrency, list versions.

A PATCH must say which version it was based on, in the body (`version`) or as `If-Match` with the
ETag of a GET. The service compares it under a row lock, so two clients racing get exactly one
save and one refusal: 409 for a stale body version, 412 for a stale If-Match, nothing overwritten.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle import services
from lifecycle.api.base import ProjectChildViewSet
from lifecycle.api.serializers.charter import (
    CharterPatchSerializer,
    CharterSerializer,
    CharterVersionSerializer,
    CharterVersionSummarySerializer,
)
from lifecycle.models import Charter, CharterVersion
from portal.api_exceptions import ErrorSerializer, error_responses
from portal.exceptions import StaleEdit, ValidationFailed

ETAG_HEADER = OpenApiResponse(CharterSerializer, description="The charter; the ETag header carries its version.")
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The ETag of the charter the edit is based on, e.g. "v3" (alternative to `version`).',
)

ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200], description="The charter's version, quoted."
)


def charter_etag(charter: Charter) -> str:
    return f'"v{charter.version}"'


def parse_if_match(header: str) -> int:
    """The version named by an If-Match header; ValidationFailed for anything else (including `*`)."""
    value = header.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if value.startswith("v") and value[1:].isdigit() and len(value) < 12:
        return int(value[1:])
    raise ValidationFailed(
        'If-Match must be the ETag of the charter, e.g. "v3", as returned by GET.',
        details={"If-Match": "Not a charter ETag."},
    )


class PreconditionFailed(StaleEdit):
    """A stale If-Match: the same refusal as a stale version, with the HTTP status of a failed precondition."""

    status_code = 412
    code = "precondition_failed"


@extend_schema(tags=["charter"])
class CharterViewSet(ProjectChildViewSet):
    """The project's living charter: GET returns it with an ETag; PATCH needs `version` or If-Match."""

    queryset = Charter.objects.all()
    serializer_class = CharterSerializer

    def get_base_queryset(self) -> QuerySet[Charter]:
        return Charter.objects.select_related("updated_by").prefetch_related(
            "success_metrics", "data_sources", "data_dictionary", "milestones"
        )

    def get_object(self) -> Charter:
        return get_object_or_404(self.get_queryset())

    def _answer(self, charter: Charter, status_code: int = status.HTTP_200_OK) -> Response:
        response = Response(CharterSerializer(charter).data, status=status_code)
        response["ETag"] = charter_etag(charter)
        return response

    @extend_schema(parameters=[ETAG], responses={200: ETAG_HEADER, **error_responses(404)}, summary="Read the charter")
    def retrieve(self, request: Request, project_pk: Any = None) -> Response:
        return self._answer(self.get_object())

    @extend_schema(
        parameters=[IF_MATCH, ETAG],
        request=CharterPatchSerializer,
        responses={
            200: ETAG_HEADER,
            **error_responses(400, 403, 404, 412, 428),
            409: OpenApiResponse(
                ErrorSerializer, description="Stale `version`: `current_version` and `current` say what is saved."
            ),
        },
        summary="Edit the charter (based on a version)",
    )
    def partial_update(self, request: Request, project_pk: Any = None) -> Response:
        self.get_object()  # a project without a charter is a 404 before the body is read
        given = CharterPatchSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        header = request.headers.get("If-Match")
        body_version = given.validated_data.get("version")
        if header is None and body_version is None:
            return Response(
                {
                    "code": "precondition_required",
                    "detail": "Say which version your edit is based on: send `version` in the body or "
                    "If-Match with the ETag from GET. Nothing was saved.",
                },
                status=status.HTTP_428_PRECONDITION_REQUIRED,
            )
        base_version = parse_if_match(header) if header is not None else body_version
        if header is not None and body_version is not None and body_version != base_version:
            raise ValidationFailed(
                "`version` and If-Match name different versions; send one of them.",
                details={"version": "Disagrees with If-Match."},
            )
        try:
            services.charter_update(
                actor=request.user,
                project=self.get_project(),
                base_version=base_version,
                changes=given.changes(),
                note=given.validated_data["note"],
            )
        except StaleEdit as exc:
            if header is None:
                raise
            raise PreconditionFailed(exc.message, current_version=exc.current_version, current=exc.current) from exc
        return self._answer(self.get_object())


@extend_schema(tags=["charter"], responses={200: CharterVersionSummarySerializer(many=True), **error_responses(404)})
class CharterVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ProjectChildViewSet):
    """Every saved version of the charter, newest first; a version's detail holds its whole content."""

    queryset = CharterVersion.objects.all()
    project_field = "charter__project"
    portfolio_field = "charter__project__portfolio_id"
    lookup_field = "number"
    lookup_value_converter = "int"

    def get_base_queryset(self) -> QuerySet[CharterVersion]:
        return CharterVersion.objects.select_related("created_by").order_by("-number")

    def get_serializer_class(self) -> Any:
        return CharterVersionSerializer if self.action == "retrieve" else CharterVersionSummarySerializer

    @extend_schema(responses={200: CharterVersionSerializer, **error_responses(404)})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)
