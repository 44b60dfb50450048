"""The token API: create, list and revoke one's own tokens, the read-only scope, the bounds, sign out everywhere."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from lifecycle.models import AuditRecord, Project
from portal.models import ApiToken, TokenScope
from portal.tokens.services import token_create
from tests.api.fuzzing import generated_schema

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"


def with_token(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def secret_of(user, scope=TokenScope.READ_WRITE, name="setup") -> str:
    return token_create(actor=user, name=name, scope=scope, expires_in_days=30).secret


@pytest.fixture
def pm_api(people):
    return with_token(secret_of(people["pm"]))


def test_create_list_and_revoke(pm_api, people):
    before = timezone.now()
    created = pm_api.post(TOKENS, {"name": "Nightly", "scope": "read_only", "expires_in_days": 7}, format="json")
    assert created.status_code == 201
    assert created["Cache-Control"] == "no-store"
    body = created.json()
    assert set(body) == {"id", "name", "scope", "created", "expiry", "last_used", "token"}
    assert (body["name"], body["scope"], body["last_used"]) == ("Nightly", "read_only", None)
    stored = AuthToken.objects.get(api_token__id=body["id"])
    assert before + timedelta(days=7) <= stored.expiry <= timezone.now() + timedelta(days=7)
    assert stored.digest != body["token"]
    assert stored.user == people["pm"]

    listed = pm_api.get(TOKENS)
    assert listed.status_code == 200
    rows = listed.json()
    assert [row["name"] for row in rows] == ["Nightly", "setup"]
    assert all(set(row) == {"id", "name", "scope", "created", "expiry", "last_used"} for row in rows)
    assert body["token"] not in listed.content.decode()

    assert with_token(body["token"]).get("/api/v1/projects/").status_code == 200
    assert pm_api.delete(f"{TOKENS}{body['id']}/").status_code == 204
    assert with_token(body["token"]).get("/api/v1/projects/").status_code == 401
    assert [row["name"] for row in pm_api.get(TOKENS).json()] == ["setup"]
    actions = AuditRecord.objects.filter(target_type="portal.apitoken", target_id=str(body["id"]))
    assert sorted(actions.values_list("action", flat=True)) == ["token.create", "token.revoke"]


def test_the_default_is_a_read_only_token_of_30_days(pm_api):
    body = pm_api.post(TOKENS, {"name": "Defaults"}, format="json").json()
    assert body["scope"] == "read_only"
    expiry = AuthToken.objects.get(api_token__id=body["id"]).expiry
    assert timedelta(days=30) - timedelta(minutes=1) < expiry - timezone.now() <= timedelta(days=30)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "expires_in_days": 91}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 2**70}, "expires_in_days"),
        ({"name": "x", "scope": "admin"}, "scope"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
    ],
)
def test_bad_input_is_400_and_creates_nothing(pm_api, payload, field):
    response = pm_api.post(TOKENS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {field}
    assert AuthToken.objects.count() == 1


def test_the_expiry_bound_follows_the_setting(pm_api, settings):
    settings.STAGEGATE_TOKEN_MAX_DAYS = 10
    refused = pm_api.post(TOKENS, {"name": "x", "expires_in_days": 11}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"expires_in_days": ["Ensure this value is less than or equal to 10."]}
    assert pm_api.post(TOKENS, {"name": "x", "expires_in_days": 10}, format="json").status_code == 201


def test_beyond_the_cap_is_409_and_the_login_endpoint_stops_too(pm_api, people, settings):
    settings.STAGEGATE_MAX_TOKENS_PER_USER = 2
    assert pm_api.post(TOKENS, {"name": "second"}, format="json").status_code == 201
    refused = pm_api.post(TOKENS, {"name": "third"}, format="json")
    assert refused.status_code == 409
    assert refused.json() == {
        "code": "token_limit_reached",
        "detail": "You already have 2 active tokens, the most allowed. Revoke one you no longer use first.",
    }
    login = APIClient().post("/api/v1/auth/token/", {"username": "pm", "password": "pw"}, format="json")
    assert login.status_code == 409
    assert login.json() == refused.json()  # the same refusal, in the API's error shape
    assert AuthToken.objects.filter(user=people["pm"]).count() == 2


@pytest.mark.parametrize("path_id", ["theirs", "99999", "abc", "99999999999999999999999"])
def test_someone_elses_token_or_no_token_is_404(pm_api, people, path_id):
    theirs = token_create(actor=people["exec"], name="exec's", scope=TokenScope.READ_WRITE, expires_in_days=3)
    pk = theirs.token.pk if path_id == "theirs" else path_id
    response = pm_api.delete(f"{TOKENS}{pk}/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    assert ApiToken.objects.filter(pk=theirs.token.pk).exists()
    assert "exec's" not in pm_api.get(TOKENS).content.decode()


def test_a_read_only_token_reads_and_is_refused_every_write(people, project, unchanged):
    reader = with_token(secret_of(people["pm"], scope=TokenScope.READ_ONLY, name="reader"))
    assert reader.get("/api/v1/projects/").status_code == 200
    assert reader.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    assert reader.get(TOKENS).status_code == 200
    writes = [
        ("post", "/api/v1/projects/", {"code": "NEW-1", "name": "New"}),
        ("patch", f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}),
        ("delete", f"/api/v1/projects/{project.pk}/", None),
        ("post", TOKENS, {"name": "escalate", "scope": "read_write"}),
        ("delete", f"{TOKENS}{ApiToken.objects.get().pk}/", None),
        ("post", LOGOUT_ALL, None),
    ]
    with unchanged():
        for method, url, body in writes:
            response = getattr(reader, method)(url, body, format="json")
            assert response.status_code == 403, (method, url)
            assert response.json() == {
                "code": "read_only_token",
                "detail": "This token is read-only: it may only read (GET, HEAD, OPTIONS).",
            }
    assert Project.objects.get(pk=project.pk).name == project.name
    assert AuthToken.objects.count() == 1


def test_last_used_is_recorded_once_a_minute(people, django_assert_num_queries):
    secret = secret_of(people["pm"])
    client = with_token(secret)
    token = ApiToken.objects.get()
    assert token.last_used is None
    client.get(TOKENS)
    token.refresh_from_db()
    first = token.last_used
    assert first is not None and timezone.now() - first < timedelta(seconds=5)
    client.get(TOKENS)
    token.refresh_from_db()
    assert token.last_used == first  # within the minute: no write
    ApiToken.objects.update(last_used=first - timedelta(seconds=61))
    client.get(TOKENS)
    token.refresh_from_db()
    assert token.last_used > first - timedelta(seconds=1)
    assert client.get(TOKENS).json()[0]["last_used"] is not None


def test_a_sign_in_token_is_listed_as_api_login_read_write(people):
    login = APIClient().post("/api/v1/auth/token/", {"username": "pm", "password": "pw"}, format="json")
    assert login.status_code == 200
    rows = with_token(login.json()["token"]).get(TOKENS).json()
    assert [(row["name"], row["scope"]) for row in rows] == [("API login", "read_write")]
    assert AuditRecord.objects.filter(action="token.create", actor=people["pm"]).count() == 1


def test_sign_out_everywhere_revokes_every_token_and_ends_the_sessions(people):
    pm = people["pm"]
    first, second = secret_of(pm, name="one"), secret_of(pm, name="two")
    theirs = secret_of(people["exec"])
    browser = Client()
    browser.force_login(pm)
    assert browser.get("/account/tokens/").status_code == 200
    response = with_token(first).post(LOGOUT_ALL)
    assert response.status_code == 200
    assert response.json() == {"tokens_revoked": 2, "sessions_ended": True}
    assert with_token(first).get(TOKENS).status_code == 401
    assert with_token(second).get(TOKENS).status_code == 401
    assert with_token(theirs).get(TOKENS).status_code == 200
    assert browser.get("/account/tokens/").status_code == 302
    assert AuditRecord.objects.filter(action="user.sign_out_everywhere", actor=pm).count() == 1


def test_sign_out_everywhere_from_a_browser_keeps_that_session(people):
    pm = people["pm"]
    secret = secret_of(pm)
    here, elsewhere = APIClient(), Client()
    here.force_login(pm)
    elsewhere.force_login(pm)
    csrf_free = here.post(LOGOUT_ALL)  # APIClient skips CSRF checks like Django's test client
    assert csrf_free.status_code == 200
    assert here.get(TOKENS).status_code == 200
    assert elsewhere.get("/account/tokens/").status_code == 302
    assert with_token(secret).get(TOKENS).status_code == 401


def test_a_password_change_revokes_the_api_tokens(people):
    secret = secret_of(people["pm"])
    people["pm"].set_password("a-Better-passw0rd")
    people["pm"].save()
    assert with_token(secret).get(TOKENS).status_code == 401


def test_anonymous_is_401(db):
    assert APIClient().get(TOKENS).status_code == 401
    assert APIClient().post(LOGOUT_ALL).status_code == 401


def test_the_schema_documents_the_token_api():
    schema = generated_schema()
    paths = schema["paths"]
    assert set(paths[TOKENS]) == {"get", "post"}
    assert set(paths[TOKENS + "{id}/"]) == {"delete"}
    assert set(paths[LOGOUT_ALL]) == {"post"}
    assert {"201", "400", "401", "403", "409"} <= set(paths[TOKENS]["post"]["responses"])
    assert {"204", "401", "403", "404"} <= set(paths[TOKENS + "{id}/"]["delete"]["responses"])
    components = schema["components"]["schemas"]
    assert "token" in components["ApiTokenCreated"]["properties"]
    assert "token" not in components["ApiToken"]["properties"]
    assert components["TokenScopeEnum"]["enum"] == ["read_only", "read_write"]
    create = components["ApiTokenCreateRequest"]["properties"]["expires_in_days"]
    assert (create["minimum"], create["maximum"]) == (1, 90)
    assert paths[TOKENS]["get"]["security"] == [{"tokenAuth": []}, {"cookieAuth": []}]
