"""Bulk CSV upload: POST a file to /imports/{kind}/ to preview it (dry run, the default) or import it.

The kinds are the registered ImportSpecs (metrics.imports): the same rows, services and all-or-nothing rule as
the upload pages. The catalog of kinds is organization-wide reference data (anyone holding a role sees it);
the `scope` an upload names is looked up among the user's own rows, so another portfolio's is not found.
"""

from typing import Any, cast

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from metrics.imports import ImportResult, ImportSpec, import_csv, import_specs
from metrics.imports.api.serializers import (
    ImportKindSerializer,
    ImportPreviewSerializer,
    ImportResultSerializer,
    ImportUploadSerializer,
)
from metrics.imports.base import InputsMissing
from portal.api_base import validated
from portal.api_exceptions import ErrorSerializer, error_responses
from portal.exceptions import ValidationFailed
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.models import Membership

KIND = OpenApiParameter("kind", OpenApiTypes.STR, OpenApiParameter.PATH, description="The import kind's slug.")
#: The largest file read: the CSV reader refuses bigger text anyway, so nothing larger is read into memory.
MAX_UPLOAD_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 4


def describe(spec: ImportSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "label": spec.label,
        "description": spec.description,
        "scope": cast(Any, spec.scope_model)._meta.model_name,
        "columns": [
            {"name": c.name, "required": c.required, "help": c.help, "example": c.example} for c in spec.columns
        ],
        "example_csv": spec.example_csv(),
    }


def visible_scopes(spec: ImportSpec, user: Any) -> Any:
    """The scope rows the user may import into (or at least see; check_scope decides about writing)."""
    return spec.visible_scopes(user)


def _row_errors(result: ImportResult) -> list[dict[str, Any]]:
    return [{"line": e.line, "message": e.message, "fields": dict(e.fields)} for e in result.errors]


@extend_schema(tags=["imports"])
class ImportViewSet(PortfolioScopedViewSet):
    organization_wide = True
    # Reference data: the probe is "does the user hold a role anywhere" (scope_to_organization on memberships).
    queryset = Membership.objects.all()
    serializer_class = ImportKindSerializer
    parser_classes = (MultiPartParser, FormParser)
    pagination_class = None

    def _specs(self) -> dict[str, ImportSpec]:
        return import_specs() if self.get_queryset().exists() else {}

    def get_spec(self) -> ImportSpec:
        spec = self._specs().get(self.kwargs["kind"])
        if spec is None:
            raise Http404
        return spec

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if "kind" in kwargs:
            self.get_spec()  # an unknown kind is 404 whatever the body

    @extend_schema(responses={200: ImportKindSerializer(many=True)}, summary="The kinds of CSV import, with columns")
    def list(self, request: Request) -> Response:
        specs = sorted(self._specs().values(), key=lambda spec: spec.kind)
        return Response(ImportKindSerializer([describe(spec) for spec in specs], many=True).data)

    @extend_schema(
        parameters=[KIND],
        responses={200: ImportKindSerializer, **error_responses(404)},
        summary="One kind of CSV import: its scope, columns and an example file",
    )
    def retrieve(self, request: Request, kind: str = "") -> Response:
        return Response(ImportKindSerializer(describe(self.get_spec())).data)

    @extend_schema(
        parameters=[KIND],
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: OpenApiResponse(ImportPreviewSerializer, description="Dry run: what an import would do."),
            201: OpenApiResponse(ImportResultSerializer, description="Imported."),
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid upload, an unreadable file, inputs the file lacks (`errors.sprint_dates` "
                "names the new sprints without dates), or invalid rows (`errors` lists them by line); nothing was "
                "written.",
            ),
            **error_responses(403, 404),
        },
        summary="Upload a CSV: preview it (dry_run, the default) or import it, all or nothing unless skip_invalid",
    )
    def upload(self, request: Request, kind: str = "") -> Response:
        spec = self.get_spec()
        data = validated(ImportUploadSerializer, self)
        scope = get_object_or_404(visible_scopes(spec, request.user), pk=data["scope"])
        upload = data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationFailed("The file is too large to import at once; split it.", details={"file": "Too large."})
        dry_run, skip_invalid = data["dry_run"], data["skip_invalid"]
        inputs = {"sprint_dates": data["sprint_dates"]} if "sprint_dates" in data else {}
        result = import_csv(
            spec,
            actor=request.user,
            scope=scope,
            data=upload.read(),
            commit=not dry_run,
            skip_invalid=skip_invalid,
            inputs=inputs,
        )
        if result.missing:
            raise InputsMissing(result.file_error, missing=result.missing)
        if result.file_error:
            raise ValidationFailed(result.file_error, details={"file": result.file_error})
        body: dict[str, Any] = {
            "kind": spec.kind,
            "scope": scope.pk,
            "dry_run": dry_run,
            "total": result.total,
            "left_out": result.left_out,
            "left_out_note": result.left_out_note,
        }
        if dry_run:
            body.update(importable=result.imported, errors=_row_errors(result))
            return Response(ImportPreviewSerializer(body).data)
        if not result.committed:
            invalid = len(result.errors)
            return Response(
                {
                    "code": "invalid",
                    "detail": f"{invalid} of {result.total} rows are invalid; nothing was imported. "
                    "Fix them, or send skip_invalid=true to import the others.",
                    "errors": _row_errors(result),
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        body.update(imported=result.imported, skipped=result.skipped, errors=_row_errors(result))
        return Response(ImportResultSerializer(body).data, status=status.HTTP_201_CREATED)
