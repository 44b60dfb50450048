"""Reads of the comments area: a target's thread, the comments a user may see, who can be @mentioned."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet

from collaboration.comments.models import Comment
from collaboration.comments.targets import target_kind_of
from lifecycle.models import Project
from lifecycle.selectors import projects_visible_to
from portal.models import User
from portfolio.access import AnyUser

MENTION_SUGGESTIONS = 8  # a short list under the textarea; typing more narrows it


def comments_visible_to(user: AnyUser) -> QuerySet[Comment]:
    return Comment.objects.filter(project__in=projects_visible_to(user).values("pk"))


def comment_thread(target: models.Model) -> QuerySet[Comment]:
    """The target's comments, oldest first, tombstones included, with what a thread row shows."""
    return (
        Comment.objects.filter(**{target_kind_of(target): target})
        .select_related("author", "deleted_by", "project")
        .order_by("created_at", "pk")
    )


def project_comments(project: Project) -> QuerySet[Comment]:
    """Every comment of the project with what a thread row shows: the threads of one page in one query."""
    return (
        Comment.objects.filter(project=project)
        .select_related("author", "deleted_by", "project")
        .order_by("created_at", "pk")
    )


def thread_participant_ids(target: models.Model) -> set[int]:
    """The people who commented on the target so far (deleted comments count: they took part)."""
    return set(Comment.objects.filter(**{target_kind_of(target): target}).values_list("author_id", flat=True))


def portfolio_members(project: Project) -> QuerySet[User]:
    """The active people who may be @mentioned on the project: members of its portfolio."""
    return User.objects.filter(is_active=True, memberships__portfolio_id=project.portfolio_id).distinct()


def mention_candidates(project: Project, prefix: str) -> list[User]:
    """Up to MENTION_SUGGESTIONS members whose username, first or last name starts with ``prefix``."""
    prefix = prefix[:150]
    matching = Q(username__istartswith=prefix) | Q(first_name__istartswith=prefix) | Q(last_name__istartswith=prefix)
    return list(portfolio_members(project).filter(matching).order_by("username")[:MENTION_SUGGESTIONS])
