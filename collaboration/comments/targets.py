"""The four kinds of thing a comment is about: how to find one the user may see, its project, its name, its page."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from collaboration.comments.choices import CommentTarget
from lifecycle.models import Artifact, Charter, GateReview, Project
from lifecycle.selectors import projects_visible_to
from metrics.deployments.models import ModelAlert
from portfolio.access import AnyUser

MODELS: dict[str, type[models.Model]] = {
    CommentTarget.GATE_REVIEW: GateReview,
    CommentTarget.CHARTER: Charter,
    CommentTarget.ARTIFACT: Artifact,
    CommentTarget.MODEL_ALERT: ModelAlert,
}
# The lookup path from each model to its project.
PROJECT_PATHS: dict[str, str] = {
    CommentTarget.GATE_REVIEW: "project",
    CommentTarget.CHARTER: "project",
    CommentTarget.ARTIFACT: "project",
    CommentTarget.MODEL_ALERT: "deployed_model__project",
}
SELECT_RELATED: dict[str, tuple[str, ...]] = {
    CommentTarget.GATE_REVIEW: ("project__portfolio",),
    CommentTarget.CHARTER: ("project__portfolio",),
    CommentTarget.ARTIFACT: ("project__portfolio", "artifact_type"),
    CommentTarget.MODEL_ALERT: ("deployed_model__project__portfolio",),
}


def target_kind_of(target: models.Model) -> str:
    for kind, model in MODELS.items():
        if isinstance(target, model):
            return kind
    raise ValueError(f"{type(target).__name__} rows take no comments")


def targets_visible_to(user: AnyUser, kind: str) -> QuerySet[Any]:
    """The rows of ``kind`` on projects the user may see (every other one is simply not found)."""
    model = MODELS[kind]
    visible = {f"{PROJECT_PATHS[kind]}__in": projects_visible_to(user).values("pk")}
    return model._default_manager.filter(**visible).select_related(*SELECT_RELATED[kind])


def target_get(user: AnyUser, kind: str, target_id: int) -> models.Model:
    """The target the user may see, or 404."""
    if kind not in MODELS:
        raise Http404("No such kind of comment target.")
    target = targets_visible_to(user, kind).filter(pk=target_id).first()
    if target is None:
        raise Http404("No such target.")
    return target


def target_project_id(target: models.Model) -> int:
    """The target's project id, without a query when its row (or the alert's deployed model) is loaded."""
    if isinstance(target, ModelAlert):
        return int(target.deployed_model.project_id)
    return int(target.project_id)  # type: ignore[attr-defined]


def target_project(target: models.Model) -> Project:
    if isinstance(target, ModelAlert):
        return target.deployed_model.project
    return target.project  # type: ignore[attr-defined]


def target_subject(target: models.Model) -> str:
    """What the thread is about, as a notification names it: "the charter gate review", "the charter"."""
    if isinstance(target, GateReview):
        return f"the {target.get_phase_display().lower()} gate review"
    if isinstance(target, Charter):
        return "the charter"
    if isinstance(target, Artifact):
        return f"the {target.artifact_type.name} artifact"
    assert isinstance(target, ModelAlert)
    return f"the {target.metric_key} alert of {target.deployed_model.name}"


def target_page(target: models.Model) -> str:
    """The site path of the page that shows the target's thread."""
    if isinstance(target, GateReview):
        return reverse("gate-review-detail", args=[target.pk])
    project_id = target_project(target).pk
    if isinstance(target, Charter):
        return reverse("charter-detail", args=[project_id])
    if isinstance(target, Artifact):
        return reverse("project-artifacts", args=[project_id])
    return reverse("project-deployed-models", args=[project_id])


def comment_anchor(comment_id: int) -> str:
    return f"comment-{comment_id}"


def comment_url(comment: Any) -> str:
    """The site path of a comment: its target's page at the comment's anchor."""
    return f"{target_page(getattr(comment, comment.target_kind))}#{comment_anchor(comment.pk)}"
