"""Brute-force protection for both ways of logging in (the sign-in page and the API token endpoint).

Failures are counted in the shared cache (Redis when REDIS_URL is set, so every process agrees) per
username and address, and per address alone with a higher limit against password spraying. Keying
on the pair, not the username alone, keeps an attacker from locking a colleague out.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "login-failures"


def _client_address(request: HttpRequest) -> str:
    # Behind a proxy REMOTE_ADDR is the proxy; the deployment is expected to set it from X-Forwarded-For.
    return request.META.get("REMOTE_ADDR", "unknown")


def _keys(request: HttpRequest, username: str) -> tuple[str, str]:
    address = _client_address(request)
    return f"{_PREFIX}:{address}:{username.strip().lower()}", f"{_PREFIX}:{address}"


def login_blocked(request: HttpRequest, username: str) -> bool:
    pair_key, address_key = _keys(request, username)
    limit = settings.STAGEGATE_LOGIN_MAX_FAILURES
    return cache.get(pair_key, 0) >= limit or cache.get(address_key, 0) >= limit * 10


def login_failed(request: HttpRequest, username: str) -> None:
    window = settings.STAGEGATE_LOGIN_LOCKOUT_MINUTES * 60
    for key in _keys(request, username):
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)


def login_succeeded(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0])


def lockout_message() -> str:
    minutes = settings.STAGEGATE_LOGIN_LOCKOUT_MINUTES
    return f"Too many failed sign-in attempts. Try again in {minutes} minutes."
