"""Brute-force protection: the sign-in page and the API token endpoint share one lockout."""

import pytest
from django.core.cache import cache

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.STAGEGATE_LOGIN_MAX_FAILURES = 3
    settings.STAGEGATE_LOGIN_LOCKOUT_MINUTES = 15
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_the_page_locks_a_username_out_after_repeated_failures_even_with_the_right_password(client):
    UserFactory(username="pm")
    for _ in range(3):
        assert sign_in(client, "pm", "wrong").status_code == 200  # the form again, with an error
    response = sign_in(client, "pm", "pw")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_resets_the_count(client):
    UserFactory(username="pm")
    sign_in(client, "pm", "wrong")
    sign_in(client, "pm", "wrong")
    assert sign_in(client, "pm", "pw").status_code == 302
    client.logout()
    sign_in(client, "pm", "wrong")
    sign_in(client, "pm", "wrong")
    assert sign_in(client, "pm", "pw").status_code == 302


def test_another_person_is_not_locked_out_by_someone_elses_failures(client):
    UserFactory(username="pm")
    UserFactory(username="exec")
    for _ in range(3):
        sign_in(client, "pm", "wrong")
    assert sign_in(client, "exec", "pw").status_code == 302


def test_api_token_login_shares_the_lockout(client):
    UserFactory(username="pm")
    for _ in range(3):
        response = client.post(
            "/api/v1/auth/token/", {"username": "pm", "password": "wrong"}, content_type="application/json"
        )
        assert response.status_code == 400
    response = client.post("/api/v1/auth/token/", {"username": "pm", "password": "pw"}, content_type="application/json")
    assert response.status_code == 429
    assert response.json() == {
        "code": "locked_out",
        "detail": "Too many failed sign-in attempts. Try again in 15 minutes.",
    }
    assert sign_in(client, "pm", "pw").status_code == 429
