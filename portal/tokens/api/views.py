"""The token API: list, create and revoke your own tokens; sign out everywhere.

Tokens are the user's own, not portfolio data: every query is scoped to ``request.user``, and someone else's
token id is simply not found (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.db.models import QuerySet
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from portal.api_base import ScopedAutoSchema, validated
from portal.api_exceptions import ErrorSerializer, error_responses
from portal.models import ApiToken
from portal.tokens import services
from portal.tokens.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    SignedOutSerializer,
)
from portal.tokens.selectors import tokens_of

# The secret is in the body of one answer: no cache, no proxy, no browser history keeps it.
NO_STORE = {"Cache-Control": "no-store"}


class ScopedTokenScheme(KnoxTokenScheme):
    """portal.tokens.authentication's class in the schema: knox's `Authorization: Token <token>` header, under its
    own name."""

    target_class = "portal.tokens.authentication.ScopedTokenAuthentication"
    name = "tokenAuth"


@extend_schema(tags=["tokens"])
class TokenViewSet(mixins.ListModelMixin, GenericViewSet):
    """Your API tokens that still work, newest first. Never their secrets: a secret is shown once, at creation."""

    serializer_class = ApiTokenSerializer
    parser_classes = (JSONParser,)
    schema = ScopedAutoSchema()
    pagination_class = None  # a handful at most (STAGEGATE_MAX_TOKENS_PER_USER)
    lookup_value_regex = r"[0-9]{1,18}"  # ids only, and never beyond a 64-bit integer: anything else is 404

    def get_queryset(self) -> QuerySet[ApiToken]:
        return tokens_of(self.request.user)

    @extend_schema(
        request=ApiTokenCreateSerializer,
        responses={
            201: ApiTokenCreatedSerializer,
            409: OpenApiResponse(ErrorSerializer, description="You hold the most tokens allowed: revoke one first."),
            **error_responses(400, 403),
        },
        summary="Create a token (the answer holds its secret, shown this once)",
    )
    def create(self, request: Request) -> Response:
        given = validated(ApiTokenCreateSerializer, self)
        created = services.token_create(actor=request.user, **given)
        body = ApiTokenCreatedSerializer(created.token).data
        return Response({**body, "token": created.secret}, status=status.HTTP_201_CREATED, headers=NO_STORE)

    @extend_schema(responses={204: None, **error_responses(403, 404)}, summary="Revoke a token: it stops working now")
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.token_revoke(actor=request.user, token=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereView(APIView):
    """Revoke every token you have, this one included, and end all your browser sessions.

    Called from a signed-in browser (session authentication), that browser stays signed in."""

    parser_classes = (JSONParser,)
    schema = ScopedAutoSchema()

    @extend_schema(
        request=None,
        responses={200: SignedOutSerializer, **error_responses(403)},
        tags=["auth"],
        summary="Sign out everywhere: revoke all your tokens, end all your sessions",
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        signed_out = services.user_sign_out_everywhere(actor=request.user)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request._request, signed_out.user)
        return Response(SignedOutSerializer({"tokens_revoked": signed_out.tokens_revoked, "sessions_ended": True}).data)
