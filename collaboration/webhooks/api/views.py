"""The webhooks API: a portfolio's outgoing webhooks, for its program and project managers (and superusers).

Scoped like every viewset (portfolio.api.base): another portfolio's subscription is not found (404). In one's own
portfolio, someone who is not a manager is refused (403); the list holds only the portfolios one manages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from collaboration.webhooks import services
from collaboration.webhooks.api.serializers import (
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookDeliverySerializer,
    WebhookSerializer,
    WebhookUpdateSerializer,
)
from collaboration.webhooks.models import WebhookDelivery, WebhookSubscription
from collaboration.webhooks.selectors import webhook_deliveries_of, webhook_subscriptions_managed_by
from portal.api_base import validated
from portal.api_exceptions import error_responses
from portal.exceptions import NotAllowed
from portfolio.access import can_manage_portfolio
from portfolio.api.base import PortfolioScopedViewSet
from portfolio.models import Portfolio

DELIVERY_PK = OpenApiParameter("delivery_pk", int, OpenApiParameter.PATH, description="A delivery of this webhook.")


@extend_schema(tags=["webhooks"])
class WebhookViewSet(mixins.ListModelMixin, PortfolioScopedViewSet):
    """Outgoing webhooks (Standard Webhooks) of the portfolios you manage; payloads in the document's x-webhooks."""

    queryset = WebhookSubscription.objects.order_by("-created_at", "-id")
    serializer_class = WebhookSerializer
    portfolio_field = "portfolio_id"
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        queryset = super().get_queryset()
        if self.action == "list":
            return webhook_subscriptions_managed_by(self.request.user, queryset)
        return queryset

    def get_object(self) -> WebhookSubscription:
        subscription = super().get_object()  # another portfolio's: 404
        if not can_manage_portfolio(self.request.user, subscription.portfolio_id):
            raise NotAllowed("Only the portfolio's program and project managers manage its webhooks.")
        return subscription

    @extend_schema(
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, **error_responses(400, 403, 404)},
        summary="Add a webhook (the response holds its secret, shown this once)",
    )
    def create(self, request: Request) -> Response:
        given = dict(validated(WebhookCreateSerializer, self))
        portfolio = get_object_or_404(self.scoped(Portfolio, "pk"), pk=given.pop("portfolio"))
        subscription = services.webhook_subscription_create(actor=request.user, portfolio=portfolio, **given)
        return Response(WebhookCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: WebhookSerializer, **error_responses(403, 404)}, summary="A webhook")
    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(WebhookSerializer(self.get_object()).data)

    @extend_schema(
        request=WebhookUpdateSerializer,
        responses={200: WebhookSerializer, **error_responses(400, 403, 404)},
        summary="Change a webhook's URL, event types, description, or switch it off or back on",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        subscription = self.get_object()
        given = validated(WebhookUpdateSerializer, self)
        subscription = services.webhook_subscription_update(actor=request.user, subscription=subscription, **given)
        return Response(WebhookSerializer(subscription).data)

    @extend_schema(responses={204: None, **error_responses(403, 404)}, summary="Delete a webhook and its deliveries")
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.webhook_subscription_delete(actor=request.user, subscription=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={200: WebhookDeliverySerializer(many=True), **error_responses(403, 404)},
        summary="The webhook's deliveries, newest first",
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: Any = None) -> Response:
        page = self.paginate_queryset(webhook_deliveries_of(self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(
        request=None,
        parameters=[DELIVERY_PK],
        responses={202: WebhookDeliverySerializer, **error_responses(403, 404, 409)},
        summary="Send a delivery again (same webhook-id: the receiver deduplicates); 409 when switched off",
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_pk>[0-9]{1,18})/redeliver")
    def redeliver(self, request: Request, pk: Any = None, delivery_pk: Any = None) -> Response:
        subscription = self.get_object()
        delivery = get_object_or_404(WebhookDelivery.objects.filter(subscription=subscription), pk=delivery_pk)
        delivery = services.webhook_delivery_redeliver(actor=request.user, delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer, **error_responses(403, 404)},
        summary="Send a webhook.ping test event, recorded as a delivery",
    )
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: Any = None) -> Response:
        delivery = services.webhook_subscription_ping(actor=request.user, subscription=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
