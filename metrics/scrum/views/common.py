"""What the scrum pages share: finding a team the user may see (404 otherwise), who may write, form refusals."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from metrics.dashboards.scrum import EmptyLinks
from metrics.scrum.models import Team
from portal.models import User
from portfolio.access import can_write_team, portfolios_visible_to

READ_ONLY = "Only the portfolio's managers and the team's members can change this team."


def teams_visible_to(user: User | AnonymousUser) -> QuerySet[Team]:
    """Teams of the user's portfolios (visibility comes from ``portfolio.access`` only)."""
    return Team.objects.filter(portfolio__in=portfolios_visible_to(user).values("pk"))


def visible_team(user: User | AnonymousUser, pk: int) -> Team:
    """The team if the user may see it; 404 otherwise (outsiders learn nothing)."""
    return get_object_or_404(teams_visible_to(user).select_related("portfolio", "project"), pk=pk)


def writable_team(user: Any, pk: int) -> Team:
    """A team the user may see and change; 403 for a reader (a read-only role)."""
    team = visible_team(user, pk)
    if not can_write_team(user, team):
        raise PermissionDenied(READ_ONLY)
    return team


def import_url(team: Team, kind: str = "jira-issues") -> str:
    """The generic CSV import page for this team, or "" while that page is not installed."""
    try:
        return reverse("import-csv", kwargs={"kind": kind, "scope_pk": team.pk})
    except NoReverseMatch:
        return ""


def empty_links(team: Team) -> EmptyLinks:
    return EmptyLinks(
        sprint_create=reverse("team-sprint-create", args=[team.pk]),
        item_create=reverse("team-item-create", args=[team.pk]),
        retro_add=reverse("team-retro-add", args=[team.pk]),
        mood_vote=reverse("team-mood-vote", args=[team.pk]),
        team=reverse("team-dashboard", args=[team.pk]) + "#sprints",
    )


def actor(request: HttpRequest) -> User:
    """The signed-in user (every scrum view requires login)."""
    return cast(User, request.user)
