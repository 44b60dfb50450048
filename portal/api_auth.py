"""Token login and logout for API clients (django-rest-knox: hashed, expiring tokens)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.views import LoginView, LogoutView
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from portal.api_exceptions import ErrorSerializer
from portal.login_guard import lockout_message, login_blocked, login_failed, login_succeeded


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")


class TokenLoginView(LoginView):
    """Exchange a username and password for a token. Throttled: the "login" rate in settings."""

    authentication_classes = ()  # no session, so no CSRF dance for API clients
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "login"
    serializer_class = LoginSerializer

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Missing fields or wrong credentials."),
            429: OpenApiResponse(ErrorSerializer, description="Too many attempts; retry later."),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        credentials = LoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        username = credentials.validated_data["username"]
        if login_blocked(request._request, username):
            return Response(
                {"code": "locked_out", "detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS
            )
        user = authenticate(request._request, username=username, password=credentials.validated_data["password"])
        if user is None:  # also inactive users: ModelBackend refuses them
            login_failed(request._request, username)
            return Response(
                {"code": "invalid_credentials", "detail": "The username or password is not correct."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        login_succeeded(request._request, username)
        request.user = user
        return super().post(request, format=format)


class TokenLogoutView(LogoutView):
    """Revoke the token this request was made with."""

    @extend_schema(
        request=None,
        responses={204: None, 401: OpenApiResponse(ErrorSerializer, description="No valid token.")},
        tags=["auth"],
    )
    def post(self, request: Request, format: str | None = None) -> Response:
        return super().post(request, format=format)
