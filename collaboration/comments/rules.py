"""Who may comment, edit and delete. Built on portfolio.access: seeing a project is being a member of its portfolio.

Every member who sees the project may comment (readers too, as in any governance tool: a question is a
contribution); only the author edits; the author or a manager of the portfolio (program / project manager)
deletes. A deleted comment is neither edited nor deleted again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from portfolio.access import AnyUser, can_edit_project, is_member_of

if TYPE_CHECKING:
    from collaboration.comments.models import Comment
    from lifecycle.models import Project


def can_comment(user: AnyUser, project: Project) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or is_member_of(user.pk, project.portfolio_id)))


@dataclass(frozen=True)
class ThreadPermissions:
    """One person's rights on the comments of one project, read once for a whole thread."""

    user_id: int | None
    may_comment: bool
    manages: bool

    @classmethod
    def of(cls, user: AnyUser, project: Project) -> ThreadPermissions:
        return cls(user.pk, can_comment(user, project), can_edit_project(user, project))

    def can_edit(self, comment: Comment) -> bool:
        return not comment.is_deleted and self.may_comment and comment.author_id == self.user_id

    def can_delete(self, comment: Comment) -> bool:
        return not comment.is_deleted and (self.can_edit(comment) or self.manages)


def can_edit_comment(user: AnyUser, comment: Comment) -> bool:
    return ThreadPermissions.of(user, comment.project).can_edit(comment)


def can_delete_comment(user: AnyUser, comment: Comment) -> bool:
    return ThreadPermissions.of(user, comment.project).can_delete(comment)
