"""Comments on the things a project is governed by: a gate review, the charter, an artifact, a model alert.

The target is one of four nullable foreign keys, exactly one set (a check constraint): the database keeps every
comment attached to a row that exists (deleting the target deletes its thread), and a thread is a plain indexed
filter. A (type, id) pair would need the service to check the target and would dangle silently.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from collaboration.comments.choices import BODY_MAX_LENGTH, CommentTarget

TARGET_FIELDS = tuple(CommentTarget.values)  # the field of each kind is named after it


def _exactly_one_target() -> Q:
    condition = Q()
    for chosen in TARGET_FIELDS:
        only_this = Q(**{f"{chosen}__isnull": False})
        for other in TARGET_FIELDS:
            if other != chosen:
                only_this &= Q(**{f"{other}__isnull": True})
        condition |= only_this
    return condition


class Comment(models.Model):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="comments")
    gate_review = models.ForeignKey(
        "lifecycle.GateReview", on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    charter = models.ForeignKey(
        "lifecycle.Charter", on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    artifact = models.ForeignKey(
        "lifecycle.Artifact", on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    model_alert = models.ForeignKey(
        "metrics.ModelAlert", on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(blank=True, validators=[MaxLengthValidator(BODY_MAX_LENGTH)], help_text="Markdown.")
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted comment stays as a tombstone (body blanked) so the thread still reads in order.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="comment_mentions", blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=_exactly_one_target(), name="comment_exactly_one_target")]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author_id} on {self.target_kind}"

    @property
    def target_kind(self) -> str:
        return next(kind for kind in TARGET_FIELDS if getattr(self, f"{kind}_id") is not None)

    @property
    def target_id(self) -> int:
        return int(getattr(self, f"{self.target_kind}_id"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
