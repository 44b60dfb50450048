"""The API's token authentication: knox's check (digest, expiry, active user), then the token's scope and use."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.request import Request

from portal.tokens.selectors import token_of_request
from portal.tokens.services import token_record_use


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token is read-only: it may only read (GET, HEAD, OPTIONS).")
    default_code = "read_only_token"


class ScopedTokenAuthentication(TokenAuthentication):
    """knox's token authentication that also records when the token was last used (once a minute at most) and
    refuses a read-only token any method that writes (403, before the view runs)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        authenticated = super().authenticate(request)
        if authenticated is None:
            return None
        user, auth_token = authenticated
        token = token_of_request(auth_token)
        if token is None:  # every token gets its row when created: a token without one is not trusted
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token_record_use(token=token, at=timezone.now())
        if not token.allows(request.method or ""):
            raise ReadOnlyToken()
        return user, auth_token
