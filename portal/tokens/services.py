"""Every write of API tokens: create, record a use, revoke one, sign out everywhere, and the revocation that
follows a password change or a deactivation.

Each write is atomic, locks the user whose tokens it changes, writes one audit record per token it creates or
revokes (``hooks.token_audit``) and raises a ``DomainError`` when refused, leaving nothing behind. Revoking deletes
the knox token, so it stops working at once; its ``ApiToken`` row goes with it, the audit record stays.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from knox.models import AuthToken

from portal.exceptions import DomainError, NotAllowed, ValidationFailed
from portal.models import TOKEN_NAME_MAX_LENGTH, ApiToken, TokenScope, User
from portal.tokens.hooks import token_audit
from portal.tokens.selectors import unexpired_auth_tokens

#: The name of tokens made by the login endpoint (POST /api/v1/auth/token/), which asks for none.
LOGIN_TOKEN_NAME = "API login"
#: Lifetime offered for a new personal token, in days (never above STAGEGATE_TOKEN_MAX_DAYS).
DEFAULT_EXPIRY_DAYS = 30
#: "Last used" is this precise: a busy token writes once per interval, not once per request.
LAST_USED_PRECISION = timedelta(minutes=1)

REASON_SIGN_OUT = "signed out"
REASON_SIGN_OUT_EVERYWHERE = "signed out everywhere"
REASON_PASSWORD_CHANGED = "password changed"
REASON_DEACTIVATED = "account deactivated"


class TokenLimitReached(DomainError):
    """The user already holds as many working tokens as allowed."""

    status_code = 409
    code = "token_limit_reached"


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str  # shown once, to its owner; only knox's digest of it is stored


def token_snapshot(token: ApiToken) -> dict[str, Any]:
    """What the audit trail keeps of a token: never the secret, nor its digest."""
    return {
        "name": token.name,
        "scope": token.scope,
        "user": token.auth_token.user_id,
        "created": token.auth_token.created,
        "expiry": token.auth_token.expiry,
    }


def default_expiry_days() -> int:
    return min(DEFAULT_EXPIRY_DAYS, settings.STAGEGATE_TOKEN_MAX_DAYS)


# knox creates the token row and the post_save receiver names it "API login"; a personal token is named here,
# so the receiver steps aside while this module creates one.
_creating_personal_token: ContextVar[bool] = ContextVar("creating_personal_token", default=False)


@contextmanager
def _personal_token_creation() -> Iterator[None]:
    marker = _creating_personal_token.set(True)
    try:
        yield
    finally:
        _creating_personal_token.reset(marker)


def is_creating_personal_token() -> bool:
    return _creating_personal_token.get()


def _lock_user(user: Any) -> User:
    # Every change to a user's tokens locks the user row first: concurrent creations cannot both pass the cap.
    return User.objects.select_for_update().get(pk=user.pk)


def _delete_expired(user: User) -> None:
    # Housekeeping, not audited (knox deletes expired tokens the same way when a request comes with one).
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()


def _check_token_input(name: str, scope: str, expires_in_days: int) -> None:
    errors = {}
    if not name or len(name) > TOKEN_NAME_MAX_LENGTH:
        errors["name"] = f"Give the token a name of 1 to {TOKEN_NAME_MAX_LENGTH} characters."
    if scope not in TokenScope.values:
        errors["scope"] = f"Choose one of: {', '.join(TokenScope.values)}."
    maximum = settings.STAGEGATE_TOKEN_MAX_DAYS
    if not 1 <= expires_in_days <= maximum:
        errors["expires_in_days"] = f"A token lasts 1 to {maximum} days."
    if errors:
        raise ValidationFailed("The token was not created.", details=errors)


def _check_token_cap(user: User) -> None:
    limit = settings.STAGEGATE_MAX_TOKENS_PER_USER
    if unexpired_auth_tokens(user).count() >= limit:
        raise TokenLimitReached(
            f"You already have {limit} active tokens, the most allowed. Revoke one you no longer use first."
        )


@transaction.atomic
def token_create(*, actor: Any, name: str, scope: str, expires_in_days: int) -> CreatedToken:
    """A personal token of ``actor``; refused beyond STAGEGATE_MAX_TOKENS_PER_USER working tokens."""
    name = name.strip()
    _check_token_input(name, scope, expires_in_days)
    user = _lock_user(actor)
    _delete_expired(user)
    _check_token_cap(user)
    with _personal_token_creation():
        auth_token, secret = AuthToken.objects.create(user=user, expiry=timedelta(days=expires_in_days))
    token = ApiToken.objects.create(auth_token=auth_token, name=name, scope=scope)
    token_audit(actor=user, action="token.create", target=token, before=None, after=token_snapshot(token), reason="")
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def token_sign_in(*, user: Any) -> CreatedToken:
    """The token of a sign-in with a password (POST /api/v1/auth/token/): "API login", read-write, lasting
    REST_KNOX["TOKEN_TTL"]. Refused, like a personal token, beyond STAGEGATE_MAX_TOKENS_PER_USER working tokens."""
    locked = _lock_user(user)
    _delete_expired(locked)
    _check_token_cap(locked)
    with _personal_token_creation():  # named below, not by the receiver
        auth_token, secret = AuthToken.objects.create(user=locked, expiry=settings.REST_KNOX["TOKEN_TTL"])
    token = ApiToken.objects.create(auth_token=auth_token, name=LOGIN_TOKEN_NAME, scope=TokenScope.READ_WRITE)
    token_audit(actor=locked, action="token.create", target=token, before=None, after=token_snapshot(token), reason="")
    return CreatedToken(token=token, secret=secret)


@transaction.atomic
def token_register_login(*, auth_token: AuthToken) -> ApiToken:
    """Name a token the login endpoint (or knox anywhere else) created: "API login", read-write."""
    token, created = ApiToken.objects.get_or_create(
        auth_token=auth_token, defaults={"name": LOGIN_TOKEN_NAME, "scope": TokenScope.READ_WRITE}
    )
    if created:
        token_audit(
            actor=auth_token.user,
            action="token.create",
            target=token,
            before=None,
            after=token_snapshot(token),
            reason="",
        )
    return token


def token_record_use(*, token: ApiToken, at: datetime) -> bool:
    """Remember that ``token`` was used at ``at``, at most once per LAST_USED_PRECISION (not audited: a use
    changes nothing). The guarded update lets one of many concurrent requests write, not all."""
    threshold = at - LAST_USED_PRECISION
    if token.last_used is not None and token.last_used > threshold:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used__isnull=True) | Q(last_used__lte=threshold))
        .update(last_used=at)
    )
    if written:
        token.last_used = at
    return bool(written)


def _revoke(tokens: list[ApiToken], *, actor: Any, reason: str) -> int:
    for token in tokens:
        token_audit(
            actor=actor, action="token.revoke", target=token, before=token_snapshot(token), after=None, reason=reason
        )
    AuthToken.objects.filter(pk__in=[token.auth_token_id for token in tokens]).delete()
    return len(tokens)


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Revoke one of ``actor``'s own tokens. Revoking one already gone changes nothing."""
    user = _lock_user(actor)
    locked = ApiToken.objects.select_related("auth_token").filter(pk=token.pk).first()
    if locked is None:
        return
    if locked.auth_token.user_id != user.pk:
        raise NotAllowed("This token is not yours.")
    _revoke([locked], actor=user, reason="")


@transaction.atomic
def token_sign_out(*, actor: Any, auth_token: AuthToken) -> None:
    """Revoke the token a request came with (POST /api/v1/auth/logout/), audited like any revocation."""
    user = _lock_user(actor)
    token = ApiToken.objects.select_related("auth_token").filter(auth_token_id=auth_token.pk).first()
    if token is None:  # revoked by a concurrent request since this one was authenticated
        return
    _revoke([token], actor=user, reason=REASON_SIGN_OUT)


def _all_tokens(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(auth_token__user=user).select_related("auth_token").order_by("id"))


@dataclass(frozen=True)
class SignedOut:
    tokens_revoked: int
    user: User


@transaction.atomic
def user_sign_out_everywhere(*, actor: Any) -> SignedOut:
    """Revoke every token of ``actor`` and end every session they have (the session hash changes with
    ``User.session_generation``). The page keeps its own session by storing the new hash in it
    (``update_session_auth_hash`` with the returned user); everything else must sign in again."""
    user = _lock_user(actor)
    _delete_expired(user)
    revoked = _revoke(_all_tokens(user), actor=user, reason=REASON_SIGN_OUT_EVERYWHERE)
    before = user.session_generation
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    token_audit(
        actor=user,
        action="user.sign_out_everywhere",
        target=user,
        before={"session_generation": before},
        after={"session_generation": user.session_generation, "tokens_revoked": revoked},
        reason="",
    )
    return SignedOut(tokens_revoked=revoked, user=user)


def credentials_change_reason(stored: Mapping[str, Any] | None, user: User, update_fields: Any) -> str:
    """Why saving ``user`` over ``stored`` (its row's password and is_active) must revoke its tokens; "" if not.

    A password hash upgraded at sign-in (Django re-hashes with the current hasher; its ``check_password`` saves
    only the password and clears ``_password`` to say "not a change") keeps the tokens; any other new hash,
    including one assigned directly or an unusable password, revokes them.
    """
    if stored is None:
        return ""
    if stored["is_active"] and not user.is_active:
        return REASON_DEACTIVATED
    if stored["password"] != user.password:
        raw_password = getattr(user, "_password", None)  # set by set_password(), cleared by the re-hash
        rehashed = update_fields is not None and set(update_fields) == {"password"} and raw_password is None
        if not rehashed:
            return REASON_PASSWORD_CHANGED
    return ""


@transaction.atomic
def tokens_revoke_for_credentials(*, user: User, reason: str) -> int:
    """Revoke every token of ``user`` after a password change or a deactivation (by anyone: the audit record
    has no actor, the reason says why). Sessions need nothing: Django ends them itself on both."""
    locked = _lock_user(user)
    return _revoke(_all_tokens(locked), actor=None, reason=reason)
