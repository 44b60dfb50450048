"""Writing comments: create, edit, delete. Each writes the row, its audit record and its events in one transaction.

Mentions are ``@username`` (Django's username characters) of active members of the project's portfolio; any other
name refuses the whole comment. Events: ``comment.created`` for the thread (its earlier commenters, and the project
manager through the recipients rule), and one ``comment.mentioned`` per person newly mentioned, recorded once per
comment and person (an edit that adds a mention tells only the new one; removing and re-adding tells nobody twice).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from collaboration.comments.choices import BODY_MAX_LENGTH
from collaboration.comments.models import Comment
from collaboration.comments.rules import can_comment, can_delete_comment, can_edit_comment
from collaboration.comments.selectors import portfolio_members, thread_participant_ids
from collaboration.comments.targets import comment_anchor, target_kind_of, target_page, target_project, target_subject
from collaboration.events.catalog import EventType
from collaboration.events.services import event_record
from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User

# "@" + Django's username characters, not preceded by one of them (so "ana@example.com" mentions nobody).
MENTION = re.compile(r"(?<![\w.@+-])@([\w.@+-]+)")
EXCERPT_LENGTH = 140


def mentioned_usernames(body: str) -> list[str]:
    """The names after each ``@``, in order, once each; a sentence's full stop is not part of the name."""
    names: list[str] = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def _body_clean(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("Write something first.", details={"body": ["Write something first."]})
    if len(body) > BODY_MAX_LENGTH:
        message = f"A comment holds at most {BODY_MAX_LENGTH:,} characters (this one has {len(body):,})."
        raise ValidationFailed(message, details={"body": [message]})
    return body


def _mentions_resolve(body: str, project: Project) -> list[User]:
    """The people mentioned in ``body``; ValidationFailed naming the first name that is not a member."""
    names = mentioned_usernames(body)
    members = {user.username: user for user in portfolio_members(project).filter(username__in=names)}
    outsiders = [name for name in names if name not in members]
    if outsiders:
        messages = [f"@{name} is not a member of this portfolio." for name in outsiders]
        raise ValidationFailed(" ".join(messages), details={"body": messages})
    return [members[name] for name in names]


def _excerpt(body: str) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= EXCERPT_LENGTH else flat[: EXCERPT_LENGTH - 1].rstrip() + "…"


def _common_payload(comment: Comment, target: models.Model) -> dict[str, Any]:
    return {
        "comment_id": comment.pk,
        "target_kind": comment.target_kind,
        "target_id": comment.target_id,
        "subject": target_subject(target),
        "excerpt": _excerpt(comment.body),
        "url": f"{target_page(target)}#{comment_anchor(comment.pk)}",
    }


def _mentions_notify(*, actor: User, comment: Comment, target: models.Model, people: list[User]) -> None:
    payload = _common_payload(comment, target)
    for person in people:
        event_record(
            type=EventType.COMMENT_MENTIONED,
            actor=actor,
            portfolio=None,
            project=comment.project,
            target=comment,
            payload={**payload, "mentioned_user_id": person.pk},
            once_key=f"comment.mentioned:{comment.pk}:{person.pk}",
        )


def _target_of(comment: Comment) -> models.Model:
    return getattr(comment, comment.target_kind)


@transaction.atomic
def comment_create(*, actor: User, target: models.Model, body: str) -> Comment:
    kind = target_kind_of(target)
    project = target_project(target)
    if not can_comment(actor, project):
        raise NotAllowed("Only members of the project's portfolio comment on it.")
    body = _body_clean(body)
    mentioned = _mentions_resolve(body, project)
    participants = thread_participant_ids(target) - {actor.pk}
    comment = Comment.objects.create(
        project=project, author=actor, body=body, created_at=timezone.now(), **{kind: target}
    )
    comment.mentions.set(mentioned)
    audit_write(
        actor=actor,
        action="comment.create",
        target=comment,
        project=project,
        after={"target": kind, "target_id": target.pk, "body": body, "mentions": [user.username for user in mentioned]},
    )
    event_record(
        type=EventType.COMMENT_CREATED,
        actor=actor,
        portfolio=None,
        project=project,
        target=comment,
        # Someone also mentioned hears of it once, by the mention.
        payload={
            **_common_payload(comment, target),
            "participant_ids": sorted(participants - {user.pk for user in mentioned}),
        },
    )
    _mentions_notify(actor=actor, comment=comment, target=target, people=mentioned)
    return comment


def _locked(comment: Comment) -> Comment:
    return Comment.objects.select_for_update(of=("self",)).select_related("project").get(pk=comment.pk)


@transaction.atomic
def comment_edit(*, actor: User, comment: Comment, body: str) -> Comment:
    comment = _locked(comment)
    if comment.is_deleted:
        raise TransitionNotAllowed("This comment was deleted; it cannot be edited.")
    if not can_edit_comment(actor, comment):
        raise NotAllowed("Only the author edits a comment.")
    body = _body_clean(body)
    if body == comment.body:
        return comment
    mentioned = _mentions_resolve(body, comment.project)
    before = {"body": comment.body}
    already = set(comment.mentions.values_list("pk", flat=True))
    comment.body, comment.edited_at = body, timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    comment.mentions.set(mentioned)
    newly = [user for user in mentioned if user.pk not in already]
    audit_write(
        actor=actor,
        action="comment.edit",
        target=comment,
        project=comment.project,
        before=before,
        after={"body": body, "mentions_added": [user.username for user in newly]},
    )
    _mentions_notify(actor=actor, comment=comment, target=_target_of(comment), people=newly)
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Leave a tombstone: the row stays in the thread, its body blanked, with who deleted it and when."""
    comment = _locked(comment)
    if comment.is_deleted:
        raise TransitionNotAllowed("This comment is already deleted.")
    if not can_delete_comment(actor, comment):
        raise NotAllowed("Only the author or a manager of the portfolio deletes a comment.")
    before = {"body": comment.body, "author": comment.author_id}
    comment.body, comment.deleted_at, comment.deleted_by = "", timezone.now(), actor
    comment.save(update_fields=["body", "deleted_at", "deleted_by"])
    audit_write(
        actor=actor,
        action="comment.delete",
        target=comment,
        project=comment.project,
        before=before,
        after={"deleted": True},
    )
    return comment
