"""Pieces shared by the metrics API views."""

from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from metrics.models import Product
from portal.api_base import PortfolioScopedViewSet


def validated(serializer_class: type[serializers.Serializer], view: Any, **kwargs: Any) -> Any:
    """The request body checked by ``serializer_class`` (400 with every field's message otherwise)."""
    given = serializer_class(data=view.request.data, context=view.get_serializer_context(), **kwargs)
    given.is_valid(raise_exception=True)
    return given.validated_data


def answer(serializer_class: type[serializers.Serializer], instance: Model, created: bool = False) -> Response:
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return Response(serializer_class(instance).data, status=code)


PRODUCT_PK = OpenApiParameter("product_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The product's id.")


@extend_schema(parameters=[PRODUCT_PK])
class ProductChildViewSet(PortfolioScopedViewSet):
    """A sub-resource under products/{product_pk}/: the product is found among the user's first (else 404)."""

    portfolio_field = "product__project__portfolio_id"

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_product()

    def get_product(self) -> Product:
        if not hasattr(self, "_product"):
            products = self.scoped(Product.objects.select_related("project"), "project__portfolio_id")
            self._product = get_object_or_404(products, pk=self.kwargs["product_pk"])
        return self._product

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return type(self).queryset.none()  # type: ignore[union-attr]
        return super().get_queryset().filter(product=self.get_product())
