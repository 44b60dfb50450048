"""Token login and logout for API clients. knox keeps the tokens (hashed, expiring); the writes are
portal.tokens.services', so the cap, the name and the audit record are the same as for personal tokens."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_logged_out
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_exceptions import ErrorSerializer
from portal.login_guard import sign_in_refusal
from portal.tokens import services as token_services
from portal.tokens.authentication import ScopedTokenAuthentication


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")


class TokenLoginView(APIView):
    """Exchange a username and password for a token, behind the same sign-in defence as the page and the admin
    (portal/login_guard.py): a locked-out username and address, or a throttled address, gets 429 with Retry-After."""

    authentication_classes = ()  # no session, so no CSRF dance for API clients
    permission_classes = (AllowAny,)
    throttle_classes = ()  # the sign-in defence throttles failures only: correct credentials always get a token
    serializer_class = LoginSerializer

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Missing fields or wrong credentials."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`token_limit_reached`: you hold the most tokens allowed; revoke one first.",
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="`locked_out` (this username from this address) or `throttled` (this address): "
                "too many failed attempts; retry after the seconds in `Retry-After`.",
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        credentials = LoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        username = credentials.validated_data["username"]
        user = authenticate(request._request, username=username, password=credentials.validated_data["password"])
        if user is None:  # also inactive users and locked-out pairs: the backends refuse them
            refusal = sign_in_refusal(request._request, username)
            if refusal is not None:
                return Response(
                    {"code": refusal.code, "detail": refusal.detail},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(refusal.retry_after)},
                )
            return Response(
                {"code": "invalid_credentials", "detail": "The username or password is not correct."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        created = token_services.token_sign_in(user=user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)  # last_login, like a page
        body = TokenSerializer({"token": created.secret, "expiry": created.token.auth_token.expiry}).data
        return Response(body, headers={"Cache-Control": "no-store"})


class TokenLogoutView(APIView):
    """Revoke the token this request was made with (a session has no token: 401)."""

    authentication_classes = (ScopedTokenAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(ErrorSerializer, description="No valid token.")},
        tags=["auth"],
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        token_services.token_sign_out(actor=request.user, auth_token=request.auth)
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
