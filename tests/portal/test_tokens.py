"""Personal API tokens: the page, the services' rules (cap, expiry bound, audit), and revocation on a password
change, a deactivation and "sign out everywhere", whatever path makes the change."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import AbstractBaseUser
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from lifecycle.models import AuditRecord
from portal.models import ApiToken, TokenScope
from portal.tokens import services
from portal.tokens.services import TokenLimitReached, token_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/account/tokens/"
NEW_PASSWORD = "a-Better-passw0rd"


@pytest.fixture
def me():
    return UserFactory(username="pm")


@pytest.fixture
def browser(me):
    client = Client()
    client.force_login(me)
    return client


def make_token(user, name="CI", scope=TokenScope.READ_WRITE, days=30):
    return token_create(actor=user, name=name, scope=scope, expires_in_days=days)


def api_status(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get("/api/v1/projects/").status_code


def audit_actions(**filters) -> list[tuple[str, str]]:
    return list(AuditRecord.objects.filter(**filters).order_by("id").values_list("action", "reason"))


# --- the page ------------------------------------------------------------------------------------------------


def test_the_user_menu_links_to_the_page(browser):
    assert f'href="{PAGE}"' in browser.get("/account/tokens/").content.decode()


def test_the_page_needs_a_signed_in_user():
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_lists_my_working_tokens_and_never_a_secret(browser, me):
    mine = make_token(me, name="Nightly export")
    expired = make_token(me, name="Old script")
    AuthToken.objects.filter(pk=expired.token.auth_token_id).update(expiry=timezone.now() - timedelta(minutes=1))
    theirs = make_token(UserFactory(username="exec"), name="Executive report")
    html = browser.get(PAGE).content.decode()
    assert "Nightly export" in html
    assert "Read and write" in html
    assert "Old script" not in html
    assert "Executive report" not in html
    for secret in (mine.secret, expired.secret, theirs.secret):
        assert secret not in html


def test_creating_on_the_page_shows_the_secret_once(browser, me):
    response = browser.post(PAGE, {"name": "Reports", "scope": "read_only", "expires_in_days": "7"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.select_related("auth_token").get()
    secret = response.context["created"].secret
    assert secret in response.content.decode()
    assert (token.name, token.scope, token.auth_token.user) == ("Reports", "read_only", me)
    assert token.auth_token.digest != secret
    assert timedelta(days=7) - timedelta(minutes=1) < token.auth_token.expiry - timezone.now() <= timedelta(days=7)
    assert api_status(secret) == 200
    assert secret not in browser.get(PAGE).content.decode()
    assert audit_actions(actor=me) == [("token.create", "")]


def test_the_page_refuses_an_expiry_beyond_the_maximum(browser, settings):
    settings.STAGEGATE_TOKEN_MAX_DAYS = 30
    response = browser.post(PAGE, {"name": "Too long", "scope": "read_only", "expires_in_days": "31"})
    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 30." in response.content.decode()
    assert not AuthToken.objects.exists()
    assert not AuditRecord.objects.exists()


def test_the_page_shows_the_cap(browser, me, settings):
    settings.STAGEGATE_MAX_TOKENS_PER_USER = 1
    make_token(me)
    response = browser.post(PAGE, {"name": "One more", "scope": "read_only", "expires_in_days": "7"})
    assert response.status_code == 409
    assert "You already have 1 active tokens, the most allowed." in response.content.decode()
    assert AuthToken.objects.count() == 1


def test_revoking_on_the_page(browser, me):
    created = make_token(me, name="CI")
    response = browser.post(f"/account/tokens/{created.token.pk}/revoke/")
    assert response.status_code == 302
    assert not AuthToken.objects.exists()
    assert not ApiToken.objects.exists()
    assert api_status(created.secret) == 401
    assert audit_actions(actor=me) == [("token.create", ""), ("token.revoke", "")]
    record = AuditRecord.objects.get(action="token.revoke")
    assert (record.target_type, record.target_id) == ("portal.apitoken", str(created.token.pk))
    assert record.before["name"] == "CI"
    assert created.secret not in str(record.before)


@pytest.mark.parametrize("path_id", ["theirs", "99999999", "999999999999999999999"])
def test_revoking_someone_elses_or_no_token_is_404_and_changes_nothing(browser, path_id):
    theirs = make_token(UserFactory(username="exec"))
    pk = theirs.token.pk if path_id == "theirs" else path_id
    before = AuditRecord.objects.count()
    assert browser.post(f"/account/tokens/{pk}/revoke/").status_code == 404
    assert AuthToken.objects.count() == 1
    assert AuditRecord.objects.count() == before


def test_revoking_needs_a_post(browser, me):
    created = make_token(me)
    assert browser.get(f"/account/tokens/{created.token.pk}/revoke/").status_code == 405
    assert AuthToken.objects.count() == 1


# --- the services' rules ------------------------------------------------------------------------------------


def test_the_cap_counts_working_tokens_only_and_clears_expired_ones(me, settings):
    settings.STAGEGATE_MAX_TOKENS_PER_USER = 2
    first = make_token(me, name="one")
    make_token(me, name="two")
    with pytest.raises(TokenLimitReached) as refused:
        make_token(me, name="three")
    assert refused.value.status_code == 409
    assert AuthToken.objects.filter(user=me).count() == 2
    AuthToken.objects.filter(pk=first.token.auth_token_id).update(expiry=timezone.now() - timedelta(seconds=1))
    make_token(me, name="three")
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["three", "two"]  # the expired one is gone


def test_the_cap_counts_another_users_tokens_apart(me, settings):
    settings.STAGEGATE_MAX_TOKENS_PER_USER = 1
    make_token(UserFactory(username="exec"))
    make_token(me)
    assert AuthToken.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "scope", "days", "field"),
    [("", "read_only", 7, "name"), ("x" * 101, "read_only", 7, "name"), ("CI", "admin", 7, "scope"),
     ("CI", "read_only", 0, "expires_in_days"), ("CI", "read_only", 91, "expires_in_days")],
)  # fmt: skip
def test_the_service_refuses_bad_input_and_writes_nothing(me, name, scope, days, field):
    with pytest.raises(services.ValidationFailed) as refused:
        token_create(actor=me, name=name, scope=scope, expires_in_days=days)
    assert set(refused.value.details) == {field}
    assert not AuthToken.objects.exists()
    assert not AuditRecord.objects.exists()


def test_a_token_made_outside_the_services_is_named_api_login_read_write(me):
    auth_token, _secret = AuthToken.objects.create(user=me)
    token = ApiToken.objects.get(auth_token=auth_token)
    assert (token.name, token.scope) == ("API login", TokenScope.READ_WRITE)
    assert audit_actions(actor=me) == [("token.create", "")]


# --- revocation on credential changes, whatever the path ----------------------------------------------------


@pytest.fixture
def two_tokens(me):
    return [make_token(me, name="a").secret, make_token(me, name="b", scope=TokenScope.READ_ONLY).secret]


def assert_all_revoked(user, secrets, reason):
    assert not AuthToken.objects.filter(user=user).exists()
    assert not ApiToken.objects.filter(auth_token__user=user).exists()
    assert [api_status(secret) for secret in secrets] == [401, 401]
    revocations = AuditRecord.objects.filter(action="token.revoke")
    assert [(record.actor_id, record.reason) for record in revocations] == [(None, reason), (None, reason)]


def test_set_password_and_save_revokes_every_token(me, two_tokens):
    other = make_token(UserFactory(username="exec"))
    me.set_password(NEW_PASSWORD)
    me.save()
    assert_all_revoked(me, two_tokens, "password changed")
    assert api_status(other.secret) == 200


def test_the_password_change_form_revokes_every_token(me, two_tokens):
    form = PasswordChangeForm(me, {"old_password": "pw", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert_all_revoked(me, two_tokens, "password changed")


def test_the_admin_set_password_form_revokes_every_token(me, two_tokens):
    form = SetPasswordForm(me, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert form.is_valid(), form.errors
    form.save()
    assert_all_revoked(me, two_tokens, "password changed")


def test_manage_py_changepassword_revokes_every_token(me, two_tokens, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", "pm", stdout=io.StringIO())
    assert_all_revoked(me, two_tokens, "password changed")


def test_deactivation_revokes_every_token(me, two_tokens):
    me.is_active = False
    me.save(update_fields=["is_active"])
    assert_all_revoked(me, two_tokens, "account deactivated")


def test_other_saves_keep_the_tokens(me, two_tokens):
    me.first_name = "Pat"
    me.save()
    me.last_login = timezone.now()
    me.save(update_fields=["last_login"])
    me.is_active = True
    me.save()
    assert [api_status(secret) for secret in two_tokens] == [200, 200]
    assert not AuditRecord.objects.filter(action="token.revoke").exists()


class OneIterationHasher(PBKDF2PasswordHasher):
    iterations = 1


class TwoIterationsHasher(PBKDF2PasswordHasher):
    iterations = 2


def test_a_password_rehashed_at_sign_in_keeps_the_tokens(me, settings):
    """Django re-hashes a password with its current hasher when it checks it: not a password change."""
    settings.PASSWORD_HASHERS = [f"{__name__}.OneIterationHasher"]
    me.set_password("pw")
    me.save()
    secret = make_token(me).secret
    settings.PASSWORD_HASHERS = [f"{__name__}.TwoIterationsHasher"]
    assert me.check_password("pw")
    me.refresh_from_db()
    assert me.password.startswith("pbkdf2_sha256$2$")
    assert api_status(secret) == 200


# --- sign out everywhere ------------------------------------------------------------------------------------


def test_sign_out_everywhere_ends_every_other_session_and_every_token(browser, me, two_tokens):
    elsewhere = Client()
    elsewhere.force_login(me)
    assert elsewhere.get(PAGE).status_code == 200
    response = browser.post("/account/sign-out-everywhere/")
    assert response.status_code == 302
    assert browser.get(PAGE).status_code == 200  # this browser stays signed in
    assert elsewhere.get(PAGE).status_code == 302  # the other one must sign in again
    assert not AuthToken.objects.exists()
    assert [api_status(secret) for secret in two_tokens] == [401, 401]
    assert audit_actions(action__in=["token.revoke", "user.sign_out_everywhere"]) == [
        ("token.revoke", "signed out everywhere"),
        ("token.revoke", "signed out everywhere"),
        ("user.sign_out_everywhere", ""),
    ]
    record = AuditRecord.objects.get(action="user.sign_out_everywhere")
    assert (record.actor, record.before, record.after) == (
        me,
        {"session_generation": 0},
        {"session_generation": 1, "tokens_revoked": 2},
    )


def test_sign_out_everywhere_needs_a_post(browser, me, two_tokens):
    assert browser.get("/account/sign-out-everywhere/").status_code == 405
    assert AuthToken.objects.filter(user=me).count() == 2


def test_sessions_from_before_the_first_sign_out_everywhere_stay_valid(me):
    """At generation 0 the session hash is Django's own: deploying this signs nobody out."""
    assert me.session_generation == 0
    assert me.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(me)
    me.session_generation = 1
    assert me.get_session_auth_hash() != AbstractBaseUser.get_session_auth_hash(me)
