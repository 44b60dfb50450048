"""The one place the API scopes rows to the user's portfolios.

DRF runs object permissions only when a view calls `get_object()`, so lists and custom actions
would leak if each viewset filtered on its own. Every API viewset therefore derives from
`PortfolioScopedViewSet`, whose `get_queryset()` keeps only rows of portfolios the user belongs
to; a row outside them is simply not found (404), never "forbidden". tests/api/test_scoping.py
walks every registered route to hold every viewset to this.
"""

from typing import Any

from django.db.models import Model
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers, status
from rest_framework.response import Response

from portal.api_exceptions import error_responses


class ScopedAutoSchema(AutoSchema):
    """Documents the error answers every scoped endpoint can give, besides those a view declares."""

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        codes = {401}
        if "{" in self.path:
            codes.add(404)  # outside the user's portfolios, or no such id
        if self.method == "GET" and self._is_list_view():
            codes |= {400, 404}  # an invalid filter; a page past the end
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            codes |= {400, 403}
        for code, response in error_responses(*codes).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(response, str(code), direction=direction)
        return responses


def validated(serializer_class: type[serializers.Serializer], view: Any, **kwargs: Any) -> Any:
    """The request body checked by ``serializer_class`` (400 with every field's message otherwise)."""
    given = serializer_class(data=view.request.data, context=view.get_serializer_context(), **kwargs)
    given.is_valid(raise_exception=True)
    return given.validated_data


def answer(serializer_class: type[serializers.Serializer], instance: Model, created: bool = False) -> Response:
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(serializer_class(instance).data, status=code)
