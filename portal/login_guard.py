"""One sign-in defence for every way in: the sign-in page, the API token endpoint and the admin.

django-axes records failed sign-ins in the database (so every process agrees, with or without Redis) and
locks out a username *from one address* after STAGEGATE_LOGIN_MAX_FAILURES failures, for
STAGEGATE_LOGIN_LOCKOUT_MINUTES. Keying on the pair keeps an attacker from locking a colleague out. Its
authentication backend refuses a locked pair before any password is checked, whichever view calls
`authenticate`, so the admin's own sign-in page is covered too.

An address alone is only throttled: once it has ADDRESS_FAILURE_FACTOR times that many failures in the
window, a *failed* attempt is answered 429 with Retry-After, while correct credentials still sign in. So one
attacker behind an office's NAT cannot lock the whole office out.

The address is `client_address`, the one definition for the portal: X-Forwarded-For counts only behind
STAGEGATE_TRUSTED_PROXY_COUNT proxies (DRF's NUM_PROXIES is set from the same setting).
"""

import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

# An office behind one NAT address shares this budget: ten people's worth of mistyped passwords.
ADDRESS_FAILURE_FACTOR = 10


@dataclass(frozen=True)
class SignInRefusal:
    code: str  # "locked_out" (this username from this address) or "throttled" (this address)
    detail: str
    retry_after: int  # seconds


def client_address(request: HttpRequest) -> str:
    """The client's IP address: REMOTE_ADDR, or behind N trusted proxies the Nth entry from the right of
    X-Forwarded-For (the one the outermost proxy wrote; anything left of it is whatever the client sent).
    A header shorter than N or an entry that is not an address falls back to REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.STAGEGATE_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    """AXES_FAILURE_LIMIT: read per call, so the setting stays the one source (tests may change it)."""
    return settings.STAGEGATE_LOGIN_MAX_FAILURES


def lockout_window(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: how long failures count and a lockout lasts."""
    return timedelta(minutes=settings.STAGEGATE_LOGIN_LOCKOUT_MINUTES)


class SignInDefenceBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a locked-out pair before the password is checked.

    Calls without a request (the test client's `login`, scripts) come from no address, so there is nothing to
    count; axes would raise instead."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def sign_in_refusal(request: HttpRequest, username: str) -> SignInRefusal | None:
    """Why a failed sign-in is refused beyond "wrong credentials", if it is: the pair is locked out, or the
    address is throttled. Call it after `authenticate` returned None (axes has recorded the failure by then).

    A refusal marks the request for AxesMiddleware, which passes the response to `refusal_response`."""
    known: SignInRefusal | None = getattr(request, "sign_in_refusal", None)
    if known is not None:
        return known
    locked = getattr(request, "axes_locked_out", False)  # set by axes: this failure reached the limit, or came after
    refusal = _locked_out(request, username) if locked else _throttled(request)
    if refusal is not None:
        request.sign_in_refusal = refusal  # type: ignore[attr-defined]
        request.axes_locked_out = True  # type: ignore[attr-defined]
    return refusal


def refusal_response(
    request: HttpRequest, original_response: HttpResponseBase | None = None, credentials: dict | None = None
) -> HttpResponseBase:
    """AXES_LOCKOUT_CALLABLE: every refused sign-in answers 429 with Retry-After. The view's own answer is kept
    when there is one (the form with the reason, the API's JSON), so each entry point speaks its own format."""
    refusal = getattr(request, "sign_in_refusal", None)
    if refusal is None:  # a lockout seen by a caller of `authenticate` that does not ask sign_in_refusal
        refusal = _locked_out(request, (credentials or {}).get("username") or "")
    if isinstance(original_response, HttpResponseBase):
        response = original_response
    elif request.path.startswith("/api/"):
        response = JsonResponse({"code": refusal.code, "detail": refusal.detail})
    else:
        response = HttpResponse(refusal.detail, content_type="text/plain; charset=utf-8")
    response.status_code = 429
    response["Retry-After"] = str(refusal.retry_after)
    return response


def _locked_out(request: HttpRequest, username: str) -> SignInRefusal:
    window = lockout_window(request)
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=client_address(request), attempt_time__gte=timezone.now() - window
    ).aggregate(last=Max("attempt_time"))["last"]
    seconds = _seconds_until((last_failure or timezone.now()) + window)
    return SignInRefusal(
        code="locked_out",
        detail=f"Too many failed sign-in attempts. Try again in {_minutes(seconds)}.",
        retry_after=seconds,
    )


def _throttled(request: HttpRequest) -> SignInRefusal | None:
    window = lockout_window(request)
    recent = AccessAttempt.objects.filter(
        ip_address=client_address(request), attempt_time__gte=timezone.now() - window
    ).aggregate(failures=Sum("failures_since_start"), oldest=Min("attempt_time"))
    if (recent["failures"] or 0) < failure_limit(request) * ADDRESS_FAILURE_FACTOR:
        return None
    seconds = _seconds_until(recent["oldest"] + window)
    return SignInRefusal(
        code="throttled",
        detail=(
            "Too many failed sign-in attempts from your network. Check your username and password, "
            f"or try again in {_minutes(seconds)}."
        ),
        retry_after=seconds,
    )


def _seconds_until(moment) -> int:
    return max(1, math.ceil((moment - timezone.now()).total_seconds()))


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class SignInForm(AuthenticationForm):
    """The sign-in page's form: a refused attempt says why (locked out or throttled) instead of "wrong password"."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            username = self.cleaned_data.get("username")
            if self.user_cache is None and username and self.cleaned_data.get("password") and self.request:
                refusal = sign_in_refusal(self.request, username)
                if refusal is not None:
                    raise ValidationError(refusal.detail, code=refusal.code) from None
            raise


class AdminSignInForm(SignInForm, AdminAuthenticationForm):
    """The admin's sign-in form (AdminSite.login_form), with the same refusals."""
