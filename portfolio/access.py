"""Who may see and do what. Every permission derives from Membership rows (a role in a portfolio).

Visibility is a queryset filter so that lists and lookups agree: a project outside the user's
portfolios is simply not found (404), never "forbidden".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from portal.models import User
from portfolio.choices import CONTRIBUTOR_ROLES, EXECUTIVE_ROLES, MANAGER_ROLES
from portfolio.models import Membership, Portfolio

if TYPE_CHECKING:
    from lifecycle.models import Project

AnyUser = User | AnonymousUser


def portfolio_ids_of(user: AnyUser) -> set[int] | None:
    """The portfolios a user belongs to; None means all (superuser)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    return set(Membership.objects.filter(user=user).values_list("portfolio_id", flat=True))


def roles_in(user: AnyUser, portfolio_id: int) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, portfolio_id=portfolio_id).values_list("role", flat=True))


def portfolios_visible_to(user: AnyUser) -> QuerySet[Portfolio]:
    if not user.is_authenticated:
        return Portfolio.objects.none()
    if user.is_superuser:
        return Portfolio.objects.all()
    return Portfolio.objects.filter(id__in=_member_portfolio_ids(user))


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    from lifecycle.models import Project

    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(portfolio_id__in=_member_portfolio_ids(user))


def _member_portfolio_ids(user: User) -> QuerySet[Membership, Any]:
    # A subquery, not a join: no duplicates, no DISTINCT, and it composes with select_for_update.
    return Membership.objects.filter(user=user).values("portfolio_id")


def can_manage_portfolio(user: AnyUser, portfolio_id: int) -> bool:
    """Program and project managers create and edit the portfolio's projects."""
    return bool(user.is_authenticated and (user.is_superuser or roles_in(user, portfolio_id) & MANAGER_ROLES))


def can_edit_project(user: AnyUser, project: Project) -> bool:
    return can_manage_portfolio(user, project.portfolio_id)


def is_executive_in(user: AnyUser, portfolio_id: int) -> bool:
    return bool(user.is_authenticated and roles_in(user, portfolio_id) & EXECUTIVE_ROLES)


def can_contribute_artifacts(user: AnyUser, project: Project) -> bool:
    """Managers and the delivery roles (data scientists first) attach evidence."""
    if can_edit_project(user, project):
        return True
    return bool(user.is_authenticated and roles_in(user, project.portfolio_id) & CONTRIBUTOR_ROLES)


def is_member_of(user_id: int, portfolio_id: int) -> bool:
    return Membership.objects.filter(user_id=user_id, portfolio_id=portfolio_id).exists()
