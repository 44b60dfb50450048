"""Reads of API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from knox.models import AuthToken

from portal.models import ApiToken


def unexpired_auth_tokens(user: Any) -> QuerySet[AuthToken]:
    """The user's knox tokens that still work: no expiry, or one in the future."""
    return AuthToken.objects.filter(user_id=user.pk).filter(Q(expiry__isnull=True) | Q(expiry__gt=timezone.now()))


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first (expired ones are deleted at the next chance)."""
    return (
        ApiToken.objects.filter(auth_token__user_id=user.pk)
        .filter(Q(auth_token__expiry__isnull=True) | Q(auth_token__expiry__gt=timezone.now()))
        .select_related("auth_token")
        .order_by("-auth_token__created", "-id")
    )


def token_of_request(auth_token: AuthToken) -> ApiToken | None:
    """The name, scope and last use of the knox token a request came with."""
    return ApiToken.objects.filter(auth_token=auth_token).first()
