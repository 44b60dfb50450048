"""Token login (knox): hashed, expiring tokens, logout. Brute-force defence: tests/portal/test_sign_in_defence.py."""

import datetime

import pytest
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.test import APIClient

from lifecycle.models import AuditRecord

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"


def login(client: APIClient, username: str = "pm", password: str = "pw"):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


@pytest.mark.django_db
def test_login_returns_a_token_that_authenticates(people, project):
    client = APIClient()
    response = login(client)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    listed = client.get("/api/v1/projects/")
    assert listed.status_code == 200
    assert [p["code"] for p in listed.json()["results"]] == ["AML-001"]


@pytest.mark.django_db
def test_token_is_stored_as_a_digest_not_in_clear(people):
    token = login(APIClient()).json()["token"]
    stored = AuthToken.objects.get(user=people["pm"])
    assert stored.digest != token
    assert token not in stored.digest
    assert len(stored.digest) == CONSTANTS.DIGEST_LENGTH
    assert stored.token_key == token[: CONSTANTS.TOKEN_KEY_LENGTH]


@pytest.mark.django_db
def test_token_expires_after_the_configured_ttl(people, settings):
    before = timezone.now()
    body = login(APIClient()).json()
    stored = AuthToken.objects.get(user=people["pm"])
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert before + ttl <= stored.expiry <= timezone.now() + ttl
    assert datetime.datetime.fromisoformat(body["expiry"].replace("Z", "+00:00")) == stored.expiry


@pytest.mark.django_db
def test_expired_token_is_refused(people):
    token = login(APIClient()).json()["token"]
    AuthToken.objects.filter(user=people["pm"]).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "password"), [("pm", "wrong"), ("nobody", "pw"), ("pm", "")], ids=["password", "user", "empty"]
)
def test_bad_credentials_get_400_with_a_clear_message_and_no_token(people, username, password):
    response = login(APIClient(), username, password)
    assert response.status_code == 400
    body = response.json()
    if password:
        assert body == {"code": "invalid_credentials", "detail": "The username or password is not correct."}
    else:
        assert body["code"] == "invalid"
        assert body["errors"] == {"password": ["This field may not be blank."]}
    assert AuthToken.objects.count() == 0


@pytest.mark.django_db
def test_inactive_user_cannot_log_in(people):
    people["pm"].is_active = False
    people["pm"].save()
    assert login(APIClient()).status_code == 400
    assert AuthToken.objects.count() == 0


@pytest.mark.django_db
def test_malformed_login_body_is_400(people):
    response = APIClient().post(TOKEN_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_correct_credentials_are_never_throttled(people):
    # The sign-in defence counts failures only: a whole office behind one address gets every token it asks for.
    client = APIClient()
    statuses = [login(client, username).status_code for username in people for _ in range(3)]
    assert statuses == [200] * 3 * len(people)  # eighteen in a row from one address
    assert AuthToken.objects.count() == 3 * len(people)


@pytest.mark.django_db
def test_logout_revokes_the_token(people):
    token = login(APIClient()).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post(LOGOUT_URL).status_code == 204
    assert AuthToken.objects.count() == 0
    assert client.get("/api/v1/projects/").status_code == 401
    revoked = AuditRecord.objects.get(action="token.revoke")
    assert (revoked.actor, revoked.reason) == (people["pm"], "signed out")


@pytest.mark.django_db
def test_logout_with_a_browser_session_is_401_and_revokes_nothing(people):
    assert login(APIClient()).status_code == 200
    browser = APIClient()
    browser.force_login(people["pm"])
    assert browser.post(LOGOUT_URL).status_code == 401
    assert AuthToken.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_requests_are_401_with_the_token_challenge():
    response = APIClient().get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }
