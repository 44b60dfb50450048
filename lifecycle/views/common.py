"""Helpers shared by the lifecycle's HTML views."""

from django.contrib.auth.models import AnonymousUser
from django.shortcuts import get_object_or_404

from lifecycle.models import Project
from lifecycle.selectors import projects_visible_to
from portal.models import User


def visible_project(user: User | AnonymousUser, pk: int) -> Project:
    """The project if the user may see it; 404 otherwise (never 403: outsiders learn nothing)."""
    return get_object_or_404(projects_visible_to(user).select_related("portfolio", "owner", "sponsor"), pk=pk)
