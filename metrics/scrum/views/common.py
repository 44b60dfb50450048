"""What the scrum pages share: finding a team the user may see (404 otherwise), who may write, form refusals."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from metrics.scrum.models import Team
from metrics.scrum.selectors import visible_team
from portal.models import User
from portfolio.access import can_write_team

READ_ONLY = "Only the portfolio's managers and the team's members can change this team."


def writable_team(user: Any, pk: int) -> Team:
    """A team the user may see and change; 403 for a reader (a read-only role)."""
    team = visible_team(user, pk)
    if not can_write_team(user, team):
        raise PermissionDenied(READ_ONLY)
    return team


def actor(request: HttpRequest) -> User:
    """The signed-in user (every scrum view requires login)."""
    return cast(User, request.user)
