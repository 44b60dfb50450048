"""Granting and revoking a role in a portfolio: the rows every permission derives from, so each change is audited.

Memberships live in ``portfolio`` (the permission rules read them); the audit trail lives here, so the writes do
too. Only superusers grant and revoke roles (through the admin).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from lifecycle.services.audit import audit_write
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.choices import Role
from portfolio.models import Membership, Portfolio


def _check_superuser(actor: User) -> None:
    if not (actor.is_authenticated and actor.is_superuser):
        raise NotAllowed("Only an administrator grants or revokes portfolio roles.")


def membership_snapshot(membership: Membership) -> dict[str, object]:
    return {"user": membership.user_id, "portfolio": membership.portfolio_id, "role": membership.role}


@transaction.atomic
def membership_grant(*, actor: User, user: User, portfolio: Portfolio, role: str) -> Membership:
    _check_superuser(actor)
    if role not in Role.values:
        raise ValidationFailed(f"'{role}' is not a portfolio role.", details={"role": "Invalid."})
    try:
        with transaction.atomic():  # savepoint: a duplicate leaves the caller's transaction usable
            membership = Membership.objects.create(user=user, portfolio=portfolio, role=role)
    except IntegrityError:
        raise TransitionNotAllowed(f"{user} already holds this role in {portfolio}.") from None
    audit_write(
        actor=actor, action="membership.grant", target=membership, project=None, after=membership_snapshot(membership)
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> None:
    _check_superuser(actor)
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    audit_write(
        actor=actor, action="membership.revoke", target=locked, project=None, before=membership_snapshot(locked)
    )
    locked.delete()
