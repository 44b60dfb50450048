"""Who may see and do what: every ``can_*`` rule of the portal, for pages, API and services alike.

Every permission derives from Membership rows (a role in a portfolio). Visibility is a queryset filter so that
lists and lookups agree: a project outside the user's portfolios is simply not found (404), never "forbidden".
The rules take rows of the apps above (projects, teams, alerts) but read only their portfolio and owner ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from portal.models import User
from portfolio.choices import CONTRIBUTOR_ROLES, EXECUTIVE_ROLES, MANAGER_ROLES, Role
from portfolio.models import Membership, Portfolio

if TYPE_CHECKING:
    from lifecycle.models import Project
    from metrics.deployments.models import ModelAlert
    from metrics.scrum.models import Team

AnyUser = User | AnonymousUser


def roles_in(user: AnyUser, portfolio_id: int) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, portfolio_id=portfolio_id).values_list("role", flat=True))


def portfolios_visible_to(user: AnyUser) -> QuerySet[Portfolio]:
    if not user.is_authenticated:
        return Portfolio.objects.none()
    if user.is_superuser:
        return Portfolio.objects.all()
    return Portfolio.objects.filter(id__in=member_portfolio_ids(user))


def manageable_portfolios(user: AnyUser) -> QuerySet[Portfolio]:
    """Portfolios in which the user may create projects."""
    if not user.is_authenticated:
        return Portfolio.objects.none()
    if user.is_superuser:
        return Portfolio.objects.all()
    managed = Membership.objects.filter(user=user, role__in=MANAGER_ROLES).values("portfolio_id")
    return Portfolio.objects.filter(id__in=managed)


def member_portfolio_ids(user: User) -> QuerySet[Membership, Any]:
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


def can_log_time(actor: AnyUser, person: User, project: Project) -> bool:
    """Managers log anyone's time; everyone else only their own, on projects of a portfolio they belong to."""
    if can_edit_project(actor, project):
        return True
    return bool(actor.is_authenticated and actor.pk == person.pk and is_member_of(actor.pk, project.portfolio_id))


def can_log_time_on(user: AnyUser, project: Project) -> bool:
    """Whether the project's time page offers the user a form at all (their own time, or anyone's)."""
    return bool(can_edit_project(user, project) or roles_in(user, project.portfolio_id))


def manages_person(actor: AnyUser, person: User) -> bool:
    """A manager of any portfolio the person belongs to plans that person's time (capacity, allocations)."""
    if not actor.is_authenticated:
        return False
    if actor.is_superuser:
        return True
    person_portfolios = Membership.objects.filter(user=person).values("portfolio_id")
    return Membership.objects.filter(user=actor, role__in=MANAGER_ROLES, portfolio_id__in=person_portfolios).exists()


def can_write_team(user: AnyUser, team: Team) -> bool:
    """The portfolio's managers, and the team's members while they still belong to the portfolio."""
    if can_manage_portfolio(user, team.portfolio_id):
        return True
    return bool(
        user.is_authenticated and team.members.filter(pk=user.pk).exists() and is_member_of(user.pk, team.portfolio_id)
    )


def can_write_product_data(user: AnyUser, project: Project) -> bool:
    """Managers, and the portfolio's product managers, own a product's usage and revenue data."""
    if can_edit_project(user, project):
        return True
    return Role.PRODUCT_MANAGER in roles_in(user, project.portfolio_id)


def can_link_mlflow(user: AnyUser, project: Project) -> bool:
    """Project managers and data scientists of the portfolio (superusers too, through can_edit_project)."""
    if can_edit_project(user, project):
        return True
    return bool(user.is_authenticated and Role.DATA_SCIENTIST in roles_in(user, project.portfolio_id))


def can_manage_deployments(user: AnyUser, project: Project) -> bool:
    """Managers and data scientists of the portfolio: the people who link MLflow."""
    return can_link_mlflow(user, project)


def can_handle_alert(user: AnyUser, alert: ModelAlert, project: Project) -> bool:
    """The alert's owner, or a manager of the project."""
    return bool(user.is_authenticated and (alert.owner_id == user.pk or can_edit_project(user, project)))


def can_attach_evidence(user: AnyUser, project: Project) -> bool:
    """Whoever contributes artifacts attaches MLflow runs and model versions to the project's reviews."""
    return can_contribute_artifacts(user, project)


def can_manage_gate_rules(user: AnyUser, portfolio_id: int) -> bool:
    """The portfolio's program and project managers set its automated gate criteria."""
    return can_manage_portfolio(user, portfolio_id)
