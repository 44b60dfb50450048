"""Reads of the scrum inputs for pages and dashboards."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from metrics.scrum.models import Team
from portal.models import User
from portfolio.access import portfolios_visible_to


def sprint_period(sprint_id: int) -> str:
    return f"sprint-{sprint_id}"


def teams_visible_to(user: User | AnonymousUser) -> QuerySet[Team]:
    """Teams of the user's portfolios (visibility comes from ``portfolio.access`` only)."""
    return Team.objects.filter(portfolio__in=portfolios_visible_to(user).values("pk"))


def visible_team(user: User | AnonymousUser, pk: int) -> Team:
    """The team if the user may see it; 404 otherwise (outsiders learn nothing)."""
    return get_object_or_404(teams_visible_to(user).select_related("portfolio", "project"), pk=pk)
