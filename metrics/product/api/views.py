"""Product data of a deployed model: products, usage events (bulk, all or nothing), customers and orders,
marketing spend and survey responses. Writes go through metrics.product.services."""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from metrics.product import filters, services
from metrics.product.api import serializers as shapes
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from portal.api_base import answer, validated
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet

WRITE_ERRORS = error_responses(400, 403, 404)


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


@extend_schema(tags=["product"])
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Product.objects.all()
    serializer_class = shapes.ProductSerializer
    filterset_class = filters.ProductFilterSet
    portfolio_field = "project__portfolio_id"

    @extend_schema(
        request=shapes.ProductCreateSerializer,
        responses={201: shapes.ProductSerializer, **WRITE_ERRORS},
        summary="Create a product of a project (managers and product managers)",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.ProductCreateSerializer, self)
        product = services.product_create(actor=request.user, **data)
        return answer(shapes.ProductSerializer, product, created=True)

    @extend_schema(
        methods=["GET"], responses={200: shapes.ProductFunnelSerializer, **error_responses(404)},
        summary="The product's conversion funnel and core events",
    )  # fmt: skip
    @extend_schema(
        methods=["PUT"],
        request=shapes.ProductFunnelInputSerializer,
        responses={200: shapes.ProductFunnelSerializer, **WRITE_ERRORS},
        summary="Set the conversion funnel (steps, window in days) and the core events, all or nothing",
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def funnel(self, request: Request, pk: Any = None) -> Response:
        product = self.get_object()
        if request.method == "PUT":
            data = validated(shapes.ProductFunnelInputSerializer, self)
            product = services.product_funnel_update(actor=request.user, product=product, **data)
        return Response(shapes.ProductFunnelSerializer(product).data)


@extend_schema(tags=["product"])
class ProductEventViewSet(mixins.ListModelMixin, ProductChildViewSet):
    """The product's usage events, oldest first."""

    queryset = ProductEvent.objects.all()
    serializer_class = shapes.ProductEventSerializer
    filterset_class = filters.ProductEventFilterSet

    @extend_schema(
        request=shapes.ProductEventInputSerializer(many=True),
        responses={201: shapes.EventsStoredSerializer, **WRITE_ERRORS},
        summary="Store a JSON list of events, all or nothing (managers and product managers)",
    )
    def create(self, request: Request, product_pk: Any = None) -> Response:
        events = validated(shapes.ProductEventInputSerializer, self, many=True, allow_empty=False)
        stored = services.product_events_add(actor=request.user, product=self.get_product(), events=events)
        return Response({"stored": stored}, status=201)


@extend_schema(tags=["product"])
class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Customer.objects.all()
    serializer_class = shapes.CustomerSerializer
    filterset_class = filters.CustomerFilterSet
    portfolio_field = "product__project__portfolio_id"

    @extend_schema(
        request=shapes.CustomerCreateSerializer,
        responses={201: shapes.CustomerSerializer, **WRITE_ERRORS},
        summary="Add a customer of a product",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.CustomerCreateSerializer, self)
        customer = services.customer_add(actor=request.user, **data)
        return answer(shapes.CustomerSerializer, customer, created=True)


@extend_schema(tags=["product"])
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    queryset = Order.objects.all()
    serializer_class = shapes.OrderSerializer
    filterset_class = filters.OrderFilterSet
    portfolio_field = "customer__product__project__portfolio_id"

    @extend_schema(
        request=shapes.OrderCreateSerializer,
        responses={201: shapes.OrderSerializer, **WRITE_ERRORS},
        summary="Add an order of a customer",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.OrderCreateSerializer, self)
        order = services.order_add(actor=request.user, **data)
        return answer(shapes.OrderSerializer, order, created=True)


@extend_schema(tags=["product"])
class MarketingSpendViewSet(mixins.ListModelMixin, PortfolioScopedViewSet):
    queryset = MarketingSpend.objects.all()
    serializer_class = shapes.MarketingSpendSerializer
    filterset_class = filters.MarketingSpendFilterSet
    portfolio_field = "product__project__portfolio_id"

    @extend_schema(
        request=shapes.MarketingSpendCreateSerializer,
        responses={201: shapes.MarketingSpendSerializer, **WRITE_ERRORS},
        summary="Record marketing spend of a product for a channel and period",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.MarketingSpendCreateSerializer, self)
        row = services.marketing_spend_add(actor=request.user, **data)
        return answer(shapes.MarketingSpendSerializer, row, created=True)


@extend_schema(tags=["product"])
class SurveyResponseViewSet(mixins.ListModelMixin, PortfolioScopedViewSet):
    queryset = SurveyResponse.objects.all()
    serializer_class = shapes.SurveyResponseSerializer
    filterset_class = filters.SurveyResponseFilterSet
    portfolio_field = "product__project__portfolio_id"

    @extend_schema(
        request=shapes.SurveyResponseCreateSerializer,
        responses={201: shapes.SurveyResponseSerializer, **WRITE_ERRORS},
        summary="Record an NPS (0-10) or CSAT (1-5) answer",
    )
    def create(self, request: Request) -> Response:
        data = validated(shapes.SurveyResponseCreateSerializer, self)
        row = services.survey_response_add(actor=request.user, **data)
        return answer(shapes.SurveyResponseSerializer, row, created=True)
