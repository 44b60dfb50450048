"""One sign-in defence for every way in (portal/login_guard.py, django-axes): the page, the API token endpoint and
the admin share one lockout per username and address; an address alone is throttled but never refuses correct
credentials; the address comes from X-Forwarded-For only behind the configured number of trusted proxies."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from portal.login_guard import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LOCKED_OUT = "Too many failed sign-in attempts. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def _defaults(settings):
    settings.STAGEGATE_LOGIN_MAX_FAILURES = 5
    settings.STAGEGATE_LOGIN_LOCKOUT_MINUTES = 15
    settings.STAGEGATE_TRUSTED_PROXY_COUNT = 0


@dataclass(frozen=True)
class EntryPoint:
    name: str
    post: Callable  # (client, username, password, **meta) -> response
    wrong_password_status: int  # the answer to a failure that is neither locked out nor throttled
    signed_in: Callable  # (client, response) -> bool

    def __str__(self) -> str:
        return self.name


def _page(client, username, password, **meta):
    return client.post("/login/", {"username": username, "password": password}, **meta)


def _admin(client, username, password, **meta):
    return client.post("/admin/login/", {"username": username, "password": password, "next": "/admin/"}, **meta)


def _api(client, username, password, **meta):
    body = {"username": username, "password": password}
    return client.post(TOKEN_URL, body, content_type="application/json", **meta)


def _has_session(client, response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in client.session


PAGE = EntryPoint("page", _page, 200, _has_session)
ADMIN = EntryPoint("admin", _admin, 200, _has_session)
API = EntryPoint("api", _api, 400, lambda client, response: response.status_code == 200 and "token" in response.json())
ENTRY_POINTS = [PAGE, API, ADMIN]


def staff(username: str):
    return UserFactory(username=username, is_staff=True)


# --- lockout per username and address ------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=str)
def test_twelve_wrong_passwords_then_the_right_one_is_refused(entry):
    staff("ops")
    client = Client()
    statuses = [entry.post(client, "ops", f"guess-{n}").status_code for n in range(12)]
    # Four ordinary failures; the fifth reaches the limit and is answered with the lockout, as is everything after.
    assert statuses == [entry.wrong_password_status] * 4 + [429] * 8

    response = entry.post(client, "ops", "pw")

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert not entry.signed_in(client, response)
    assert "_auth_user_id" not in client.session
    assert AuthToken.objects.count() == 0


def test_the_page_says_why_and_when_to_come_back():
    staff("ops")
    client = Client()
    for _ in range(5):
        response = _page(client, "ops", "wrong")

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert LOCKED_OUT in response.content.decode()
    assert "Sign in to Stagegate" in response.content.decode()  # the sign-in page itself, with the reason on it


def test_the_admin_says_why_on_its_own_sign_in_page():
    staff("ops")
    client = Client()
    for _ in range(5):
        response = _admin(client, "ops", "wrong")

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert LOCKED_OUT in response.content.decode()
    assert 'id="login-form"' in response.content.decode()


def test_the_api_answers_locked_out_as_json():
    staff("ops")
    client = Client()
    for _ in range(5):
        response = _api(client, "ops", "wrong")

    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert response.json() == {"code": "locked_out", "detail": LOCKED_OUT}


@pytest.mark.parametrize(("failing", "then"), [(API, PAGE), (PAGE, ADMIN), (ADMIN, API)], ids=str)
def test_failures_through_one_entry_point_lock_the_others(failing, then):
    staff("ops")
    client = Client()
    for _ in range(5):
        failing.post(client, "ops", "wrong")

    response = then.post(client, "ops", "pw")

    assert response.status_code == 429
    assert not then.signed_in(client, response)


def test_a_success_before_the_limit_resets_the_count():
    staff("ops")
    client = Client()
    for _ in range(4):
        assert _page(client, "ops", "wrong").status_code == 200
    assert _has_session(client, _page(client, "ops", "pw"))
    client.logout()
    for _ in range(4):
        assert _page(client, "ops", "wrong").status_code == 200
    assert _has_session(client, _page(client, "ops", "pw"))


def test_the_lockout_ends_after_the_configured_minutes():
    staff("ops")
    client = Client()
    for _ in range(5):
        _page(client, "ops", "wrong")
    assert _page(client, "ops", "pw").status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert _page(client, "ops", "pw").status_code == 429  # retrying does not extend the lockout...
    with time_machine.travel(timezone.now() + timedelta(minutes=15, seconds=1), tick=False):
        assert _has_session(client, _page(client, "ops", "pw"))  # ...which ends on time


def test_the_same_username_from_another_address_is_not_locked_out():
    staff("ops")
    attacker, colleague = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(12):
        _page(attacker, "ops", "wrong")

    assert _has_session(colleague, _page(colleague, "ops", "pw"))


def test_another_username_from_the_same_address_is_not_locked_out():
    staff("ops")
    staff("exec")
    client = Client()
    for _ in range(12):
        _page(client, "ops", "wrong")

    assert _has_session(client, _page(client, "exec", "pw"))


# --- the client address ----------------------------------------------------------------------------------------


def test_a_rotating_forwarded_header_does_not_escape_the_lockout_without_trusted_proxies():
    staff("ops")
    client = Client()
    statuses = [_page(client, "ops", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(1, 31)]

    assert statuses.count(200) == 4
    assert _page(client, "ops", "pw", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_one_trusted_proxy_the_address_comes_from_the_header(settings):
    settings.STAGEGATE_TRUSTED_PROXY_COUNT = 1
    staff("ops")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(5):
        # What the client put in the header is left of what the proxy appended: only the latter counts.
        _page(proxy, "ops", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert _page(proxy, "ops", "pw", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7").status_code == 429
    assert _has_session(proxy, _page(proxy, "ops", "pw", HTTP_X_FORWARDED_FOR="198.51.100.9"))


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "10.0.0.2", None, "10.0.0.2"),
        (0, "10.0.0.2", "203.0.113.7", "10.0.0.2"),
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (2, "10.0.0.3", "192.0.2.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address_agrees_with_drf_throttling(settings, proxies, remote, forwarded, expected):
    settings.STAGEGATE_TRUSTED_PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    request = RequestFactory().get("/", **meta)

    assert client_address(request) == expected
    assert BaseThrottle().get_ident(Request(request)) == expected


@pytest.mark.parametrize(
    ("proxies", "forwarded"),
    [(2, "203.0.113.7"), (1, "not-an-address"), (1, "203.0.113.7, "), (1, "")],
)
def test_a_short_or_malformed_forwarded_header_falls_back_to_the_peer(settings, proxies, forwarded):
    settings.STAGEGATE_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == "10.0.0.2"


def test_drf_counts_proxies_from_the_same_setting(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.STAGEGATE_TRUSTED_PROXY_COUNT == 0


# --- an address alone is throttled, never locked -------------------------------------------------------------


def _spray(client, failures: int) -> None:
    """`failures` wrong passwords from one address, five per username (each pair locks at its fifth)."""
    for n in range(failures):
        _api(client, f"nobody-{n // 5}", "wrong")


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=str)
def test_after_fifty_failures_from_an_address_a_colleague_there_still_signs_in(entry):
    staff("colleague")
    office = Client(REMOTE_ADDR="203.0.113.7")
    _spray(office, 55)

    response = entry.post(office, "colleague", "pw")

    assert entry.signed_in(office, response)


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=str)
def test_a_throttled_address_gets_429_with_retry_after_for_a_wrong_password(entry):
    staff("colleague")
    office = Client(REMOTE_ADDR="203.0.113.7")
    _spray(office, 49)

    response = entry.post(office, "colleague", "typo")  # the fiftieth failure from the address

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    message = "Too many failed sign-in attempts from your network."
    if entry is API:
        assert response.json()["code"] == "throttled"
        assert response.json()["detail"].startswith(message)
    else:
        assert message in response.content.decode()


def test_below_the_address_budget_a_wrong_password_is_an_ordinary_failure():
    staff("colleague")
    office = Client(REMOTE_ADDR="203.0.113.7")
    _spray(office, 48)

    assert _api(office, "colleague", "typo").status_code == 400  # the forty-ninth


def test_throttled_failures_still_count_towards_the_pair_lockout():
    staff("colleague")
    office = Client(REMOTE_ADDR="203.0.113.7")
    _spray(office, 50)
    for _ in range(5):
        _page(office, "colleague", "typo")

    response = _page(office, "colleague", "pw")

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
