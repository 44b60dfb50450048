"""Translate every refusal into a JSON 4xx body `{"code", "detail", "errors"?}`, never a 500.

Domain errors come from the services; DRF's own (parse errors, validation, 404, throttling) get
the same shape; database refusals that slipped past validation (out-of-range numbers, conflicts)
are answered as client errors, since the input caused them and nothing was written.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from portal.exceptions import DomainError, StaleEdit


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer (documented in the OpenAPI schema)."""

    code = serializers.CharField(help_text="Machine-readable reason, e.g. invalid, not_found, stale_edit.")
    detail = serializers.CharField(help_text="What went wrong, for people.")
    errors = serializers.JSONField(  # type: ignore[assignment]  # a response field named like Serializer.errors
        required=False, help_text="Per-field or per-item messages when useful."
    )


ERROR_DESCRIPTIONS = {
    400: "Invalid input; `errors` says which field and why.",
    401: "Not authenticated: send `Authorization: Token <token>`.",
    403: "Your roles do not allow this action.",
    404: "Not found, or outside your portfolios.",
    409: "The object is not in a state that allows this.",
    412: "If-Match does not match the current version.",
    428: "A version or If-Match header is required.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for the given 4xx codes (401 is always possible, so always added)."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in sorted({401, *codes})
    }


NOT_FOUND = {"code": "not_found", "detail": "Not found."}


@csrf_exempt  # it writes nothing; without this, a POST to an unknown path got the HTML CSRF failure page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any path under /api/ that no route matches (an unknown path, a non-numeric id): a JSON 404 whatever DEBUG says.

    The last route of portal/api.py. With DEBUG on, Django answers an unmatched path with its HTML debug page (which
    lists every URL pattern) and never calls handler404; a route that always matches keeps it from getting there.
    """
    return JsonResponse(NOT_FOUND, status=404)


def _domain_body(exc: DomainError) -> dict[str, Any]:
    body = exc.as_dict()
    if isinstance(exc, StaleEdit):
        # Clients resolve the conflict from the answer alone: the version to base the retry on and its content.
        body["current_version"] = exc.current_version
        body["current"] = exc.current
    return body


def _api_exception_code(exc: Exception) -> str:
    if not isinstance(exc, APIException):  # Django's PermissionDenied (Http404 is answered above), translated by DRF
        return "permission_denied"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else str(exc.default_code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(_domain_body(exc), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response({"code": "invalid", "detail": "Invalid input.", "errors": errors}, status=400)
    if isinstance(exc, IntegrityError):
        set_rollback()
        return Response(
            {"code": "conflict", "detail": "The change conflicts with existing data; nothing was saved."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        set_rollback()
        return Response(
            {"code": "invalid", "detail": "A value is out of range or too long; nothing was saved."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        response.data = dict(NOT_FOUND)
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"code": _api_exception_code(exc), **response.data}
    else:  # serializer errors: a dict of fields or a list
        response.data = {"code": "invalid", "detail": "Invalid input.", "errors": response.data}
    return response
