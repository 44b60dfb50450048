"""Admin changes are audited: every model registered in the Django admin is read-only there, or its admin
saves (and deletes, where allowed) through an audited service."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from lifecycle.models import AuditRecord
from metrics.mirror.models import TrackingServer
from portfolio.models import BusinessUnit, Portfolio

pytestmark = pytest.mark.django_db

# model label -> the audited service its admin calls
SERVICE_BACKED = {
    "portal.user": "lifecycle.services.reference",
    "portfolio.portfolio": "lifecycle.services.reference",
    "portfolio.businessunit": "lifecycle.services.reference",
    "portfolio.strategicgoal": "lifecycle.services.reference",
    "lifecycle.artifacttype": "lifecycle.services.reference",
    "portfolio.membership": "lifecycle.services.memberships",
    "metrics.trackingserver": "metrics.mirror.services.links",
    "axes.accessattempt": "lifecycle.services.reference",  # deleting a row lifts a lockout: audited
}


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw")


def overrides(model_admin: admin.ModelAdmin, method: str) -> bool:
    return getattr(type(model_admin), method) is not getattr(admin.ModelAdmin, method)


def test_every_admin_registration_is_read_only_or_service_backed(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    registered = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}

    assert set(SERVICE_BACKED) <= set(registered)
    for label, model_admin in registered.items():
        if label in SERVICE_BACKED:
            assert overrides(model_admin, "save_model"), label
            if model_admin.has_delete_permission(request):
                assert overrides(model_admin, "delete_model"), label
                assert overrides(model_admin, "delete_queryset"), label
            continue
        permissions = (
            model_admin.has_add_permission(request),
            model_admin.has_change_permission(request),
            model_admin.has_delete_permission(request),
        )
        assert permissions == (False, False, False), label
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_add_permission(request, None), (label, inline)
            assert not inline.has_change_permission(request, None), (label, inline)
            assert not (inline.can_delete and inline.has_delete_permission(request, None)), (label, inline)


def test_groups_are_not_in_the_admin():
    assert "auth.group" not in {model._meta.label_lower for model in admin.site._registry}


def test_adding_and_changing_a_portfolio_in_the_admin_is_audited(client, superuser):
    client.force_login(superuser)
    inline = {f"memberships-{key}": "0" for key in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS")}
    response = client.post(
        "/admin/portfolio/portfolio/add/",
        {"name": "Risk Models", "slug": "risk", "description": "", **inline, "memberships-MAX_NUM_FORMS": "1000"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    portfolio = Portfolio.objects.get(slug="risk")
    created = AuditRecord.objects.get(action="portfolio.create")
    assert (created.actor, created.target_id) == (superuser, str(portfolio.pk))
    assert created.after == {"id": portfolio.pk, "name": "Risk Models", "slug": "risk", "description": ""}

    client.post(
        f"/admin/portfolio/portfolio/{portfolio.pk}/change/",
        {"name": "Risk Models EU", "slug": "risk", "description": "", **inline, "memberships-MAX_NUM_FORMS": "1000"},
    )
    updated = AuditRecord.objects.get(action="portfolio.update")
    assert (updated.before, updated.after) == ({"name": "Risk Models"}, {"name": "Risk Models EU"})


def test_deleting_a_business_unit_in_the_admin_is_audited(client, superuser):
    unit = BusinessUnit.objects.create(name="Retail")
    client.force_login(superuser)

    response = client.post(f"/admin/portfolio/businessunit/{unit.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not BusinessUnit.objects.filter(pk=unit.pk).exists()
    record = AuditRecord.objects.get(action="businessunit.delete")
    assert record.before["name"] == "Retail"


def test_accounts_and_passwords_set_in_the_admin_are_audited_without_the_secret(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/portal/user/add/",
        {
            "username": "newcomer",
            "password1": "A-long-pass-phrase-1",
            "password2": "A-long-pass-phrase-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="newcomer")
    created = AuditRecord.objects.get(action="user.create")
    assert created.after["username"] == "newcomer"
    assert created.after["password"] == "changed"

    response = client.post(
        f"/admin/portal/user/{user.pk}/password/",
        {"password1": "Another-pass-phrase-2", "password2": "Another-pass-phrase-2", "usable_password": "true"},
    )
    assert response.status_code == 302
    changed = AuditRecord.objects.filter(action="user.update", target_id=str(user.pk)).get()
    assert changed.after == {"password": "changed"}
    assert all(user.password not in str(record.after) for record in AuditRecord.objects.all())


def test_a_tracking_server_saved_in_the_admin_goes_through_its_service(client, superuser):
    client.force_login(superuser)
    response = client.post(
        "/admin/metrics/trackingserver/add/",
        {
            "name": "Team MLflow",
            "uri": "http://127.0.0.1:5055/",
            "username_env": "",
            "password_env": "",
            "token_env": "",
            "timeout_s": "30",
            "max_retries": "4",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    server = TrackingServer.objects.get(name="Team MLflow")
    assert server.uri == "http://127.0.0.1:5055"  # the service's normalisation, not the raw form value
    assert AuditRecord.objects.get(action="mlflow.server_saved").target_id == str(server.pk)


def test_lifting_a_lockout_in_the_admin_is_audited(client, superuser):
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username="pm", ip_address="10.0.0.7", user_agent="curl", failures_since_start=5, get_data="", post_data=""
    )
    client.force_login(superuser)

    response = client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    record = AuditRecord.objects.get(action="accessattempt.delete")
    assert (record.actor, record.before["username"], record.before["failures_since_start"]) == (superuser, "pm", 5)
