"""The one place the API scopes rows to the user's portfolios.

DRF runs object permissions only when a view calls `get_object()`, so lists and custom actions
would leak if each viewset filtered on its own. Every API viewset therefore derives from
`PortfolioScopedViewSet`, whose `get_queryset()` keeps only rows of portfolios the user belongs
to; a row outside them is simply not found (404), never "forbidden". tests/api/test_scoping.py
walks every registered route to hold every viewset to this.

The schema pieces here also put into the OpenAPI document the bounds the views enforce, from the
same constants: ids (path, filter, related field) from 1 to MAX_ID, the limits of every filter.
"""

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import Model
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers, status
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api_exceptions import error_responses
from portal.serializers import MAX_ID

ID_BOUNDS = {"minimum": 1, "maximum": MAX_ID}


class ScopedAutoSchema(AutoSchema):
    """Documents the error answers every scoped endpoint can give, besides those a view declares,
    and the id range of path ids and related fields (anything else is refused or not found)."""

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

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query":
                # `?phase=` is read as no filter (django-filter, DRF's page, the run search), as a page's form sends it.
                parameter["allowEmptyValue"] = True
            schema = parameter["schema"]
            if schema.get("type") != "integer":
                continue
            if parameter["in"] == "path":
                parameter["schema"] = {**schema, **ID_BOUNDS}
            elif parameter["in"] == "query" and parameter["name"] == "page":
                parameter["schema"] = {**schema, "minimum": 1}
        return parameters

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.PrimaryKeyRelatedField) and schema.get("type") == "integer":
            schema = {**schema, **ID_BOUNDS}
        elif isinstance(field, serializers.SlugRelatedField) and schema.get("type") == "string":
            queryset: Any = getattr(field, "queryset", None)  # None when read-only
            max_length = queryset.model._meta.get_field(field.slug_field).max_length if queryset is not None else None
            if max_length:
                schema = {**schema, "maxLength": max_length}
        return schema


def _number(value: Any) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def filter_bounds(filter_field: django_filters.Filter) -> dict[str, Any]:
    """What a filter's form field refuses, as JSON Schema keywords."""
    extra = filter_field.extra
    bounds: dict[str, Any] = {}
    if extra.get("min_value") is not None:
        bounds["minimum"] = _number(extra["min_value"])
    if extra.get("max_value") is not None:
        bounds["maximum"] = _number(extra["max_value"])
    if extra.get("max_length") is not None:
        bounds["maxLength"] = extra["max_length"]
    if isinstance(filter_field, django_filters.NumberFilter) and extra.get("decimal_places") == 0:
        bounds["type"] = "integer"
    return bounds


class BoundedFilterExtension(DjangoFilterExtension):
    """django-filter's parameters with the bounds their form fields enforce, which drf-spectacular leaves out:
    minimum and maximum of number filters (integers for ids), maxLength of text filters, the id range of model
    choices."""

    priority = 1

    def resolve_filter_field(
        self, auto_schema: Any, model: Any, filterset_class: Any, field_name: str, filter_field: Any
    ) -> list[dict[str, Any]]:
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        bounds = filter_bounds(filter_field)
        for parameter in parameters:
            schema = parameter["schema"]
            target = schema["items"] if schema.get("type") == "array" else schema
            if isinstance(filter_field, django_filters.ModelChoiceFilter) and target.get("type") == "integer":
                target.update(ID_BOUNDS)
            if bounds.get("type") == "integer":
                target.pop("format", None)
            target.update(bounds)
        return parameters


class ApiMetadata(SimpleMetadata):
    """OPTIONS says what a route is and which media types it speaks; its bodies are in the OpenAPI schema.

    DRF's default also describes the PUT and POST bodies after loading the object with `get_object()`, which the
    singleton sub-resources (a project's charter, its RACI grid) do not route by pk: an AssertionError, a 500.
    """

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}


def validated(serializer_class: type[serializers.Serializer], view: Any, **kwargs: Any) -> Any:
    """The request body checked by ``serializer_class`` (400 with every field's message otherwise)."""
    given = serializer_class(data=view.request.data, context=view.get_serializer_context(), **kwargs)
    given.is_valid(raise_exception=True)
    return given.validated_data


def answer(serializer_class: type[serializers.Serializer], instance: Model, created: bool = False) -> Response:
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(serializer_class(instance).data, status=code)
