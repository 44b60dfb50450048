"""Artifacts: the phase's checklist of required types, uploads and links, waivers, downloads."""

import json
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from lifecycle import services
from lifecycle.api.base import ProjectChildViewSet
from lifecycle.api.serializers.artifacts import (
    ArtifactOverviewSerializer,
    ArtifactUploadSerializer,
    ArtifactVersionSerializer,
    ArtifactWaiverSerializer,
    ArtifactWaiveSerializer,
)
from lifecycle.downloads import artifact_version_response
from lifecycle.models import Artifact, ArtifactType, ArtifactVersion, ArtifactWaiver, Project
from lifecycle.services.artifacts import required_artifact_slugs
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet


def _required_status(project: Project, artifacts: list[Artifact]) -> list[dict[str, Any]]:
    """Each required type of the current phase: provided (has a version), waived, or missing."""
    provided = {a.artifact_type.slug for a in artifacts if a.phase == project.phase and a.versions.all()}
    waivers = {
        w.artifact_type.slug: w.reason
        for w in ArtifactWaiver.objects.filter(project=project, phase=project.phase).select_related("artifact_type")
    }
    rows = []
    for artifact_type in ArtifactType.objects.filter(slug__in=required_artifact_slugs(project.phase)):
        slug = artifact_type.slug
        state = "provided" if slug in provided else "waived" if slug in waivers else "missing"
        rows.append({"artifact_type": artifact_type, "availability": state, "waiver_reason": waivers.get(slug, "")})
    return rows


@extend_schema(tags=["artifacts"])
class ProjectArtifactViewSet(ProjectChildViewSet):
    """The project's artifacts with every version, and what the current phase still requires."""

    queryset = Artifact.objects.all()
    serializer_class = ArtifactOverviewSerializer
    parser_classes = (MultiPartParser, FormParser, JSONParser)

    def get_base_queryset(self) -> QuerySet[Artifact]:
        versions = ArtifactVersion.objects.select_related("created_by").order_by("-number")
        return (
            Artifact.objects.select_related("artifact_type")
            .prefetch_related(Prefetch("versions", queryset=versions))
            .order_by("phase", "artifact_type__name")
        )

    @extend_schema(
        responses={200: ArtifactOverviewSerializer, **error_responses(404)},
        summary="Artifacts of the project and the status of the current phase's required types",
    )
    def retrieve(self, request: Request, project_pk: Any = None) -> Response:
        project = self.get_project()
        artifacts = list(self.get_queryset())
        overview = {"phase": project.phase, "required": _required_status(project, artifacts), "artifacts": artifacts}
        return Response(ArtifactOverviewSerializer(overview).data)

    @extend_schema(
        request={"multipart/form-data": ArtifactUploadSerializer, "application/json": ArtifactUploadSerializer},
        responses={201: ArtifactVersionSerializer, **error_responses(400, 403, 404, 409)},
        summary="Add a version (a file or a link) of an artifact in the current phase",
    )
    def create(self, request: Request, project_pk: Any = None) -> Response:
        given = ArtifactUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        version = services.artifact_add_version(
            actor=request.user,
            project=self.get_project(),
            artifact_type=data["artifact_type"],
            upload=data.get("file"),
            url=data["url"],
            note=data["note"],
        )
        return Response(ArtifactVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ArtifactWaiveSerializer,
        responses={201: ArtifactWaiverSerializer, **error_responses(400, 403, 404, 409)},
        summary="Waive a required artifact of the current phase (the gate's Accountable)",
    )
    @action(detail=False, methods=["post"], parser_classes=[JSONParser, FormParser, MultiPartParser])
    def waive(self, request: Request, project_pk: Any = None) -> Response:
        given = ArtifactWaiveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        waiver = services.artifact_waive(actor=request.user, project=self.get_project(), **given.validated_data)
        return Response(ArtifactWaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)


class PassthroughFileRenderer(BaseRenderer):
    """Lets a client ask for the file itself (Accept: application/octet-stream); the view streams it."""

    media_type = "application/octet-stream"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        # Only error answers reach a renderer (the file itself is a FileResponse): send them as JSON bytes.
        return json.dumps(data).encode() if isinstance(data, dict | list) else data


@extend_schema(tags=["artifacts"])
class ArtifactVersionViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """One immutable version of an artifact: its metadata, and its file through a checked download."""

    queryset = ArtifactVersion.objects.select_related("created_by")
    serializer_class = ArtifactVersionSerializer
    portfolio_field = "artifact__project__portfolio_id"

    @extend_schema(
        responses={
            (200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The file, with its own content type."),
            302: OpenApiResponse(description="A link artifact: redirect to its URL."),
            **error_responses(404),
        },
        summary="Download the file of an artifact version (or follow its link)",
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughFileRenderer])
    def download(self, request: Request, pk: Any = None) -> Any:
        return artifact_version_response(self.get_object())
