"""Granting and revoking portfolio roles: audited, refused to anyone but an administrator, and the admin pages
for projects, activities and memberships never write around the audit trail."""

import pytest

from lifecycle.models import Activity, AuditRecord, Project
from lifecycle.services.memberships import membership_grant, membership_revoke
from portal.exceptions import NotAllowed, TransitionNotAllowed
from portfolio.choices import Role
from portfolio.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def test_a_grant_and_a_revoke_each_leave_an_audit_record(admin_user, portfolio, people):
    newcomer = UserFactory(username="newcomer")
    membership = membership_grant(actor=admin_user, user=newcomer, portfolio=portfolio, role=Role.DATA_SCIENTIST)
    membership_revoke(actor=admin_user, membership=membership)

    records = list(AuditRecord.objects.filter(target_type="portfolio.membership").order_by("id"))
    assert [(r.action, r.actor_id) for r in records] == [
        ("membership.grant", admin_user.pk),
        ("membership.revoke", admin_user.pk),
    ]
    assert records[0].after == {"user": newcomer.pk, "portfolio": portfolio.pk, "role": Role.DATA_SCIENTIST}
    assert records[1].before == records[0].after
    assert not Membership.objects.filter(user=newcomer).exists()


def test_only_an_administrator_grants_and_a_duplicate_is_refused_without_a_trace(admin_user, portfolio, people):
    before = AuditRecord.objects.count()
    with pytest.raises(NotAllowed):
        membership_grant(actor=people["pm"], user=people["ds"], portfolio=portfolio, role=Role.TECH_LEAD)
    with pytest.raises(TransitionNotAllowed):
        membership_grant(actor=admin_user, user=people["ds"], portfolio=portfolio, role=Role.DATA_SCIENTIST)
    with pytest.raises(NotAllowed):
        membership_revoke(actor=people["pm"], membership=people["ds"].memberships.get())
    assert AuditRecord.objects.count() == before
    assert people["ds"].memberships.count() == 1


def test_the_admin_grants_and_revokes_through_the_services(client, admin_user, portfolio, people):
    client.force_login(admin_user)
    newcomer = UserFactory(username="newcomer")
    response = client.post(
        "/admin/portfolio/membership/add/", {"user": newcomer.pk, "portfolio": portfolio.pk, "role": Role.TECH_LEAD}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    response = client.post(f"/admin/portfolio/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    actions = list(
        AuditRecord.objects.filter(target_type="portfolio.membership").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["membership.grant", "membership.revoke"]


def test_projects_and_activities_are_read_only_in_the_admin(client, admin_user, project):
    client.force_login(admin_user)
    activity = Activity.objects.filter(project=project).first()
    assert client.get(f"/admin/lifecycle/project/{project.pk}/change/").status_code == 200  # shown
    response = client.post(f"/admin/lifecycle/project/{project.pk}/change/", {"name": "Renamed", "code": project.code})
    assert response.status_code == 403
    assert client.post(f"/admin/lifecycle/activity/{activity.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Project.objects.get(pk=project.pk).name == project.name
    assert Activity.objects.filter(pk=activity.pk).exists()
