"""The comments API: a target's thread (list, add) and one comment (read, edit, delete).

Targets are looked up among the user's visible projects before anything else, so another portfolio's review,
charter, artifact or alert is 404 whatever the method or body; so is another portfolio's comment.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from collaboration.comments import services
from collaboration.comments.api.serializers import CommentInputSerializer, CommentSerializer
from collaboration.comments.choices import CommentTarget
from collaboration.comments.models import Comment
from collaboration.comments.selectors import comment_thread
from collaboration.comments.targets import targets_visible_to
from portal.api_base import validated
from portal.api_exceptions import error_responses
from portfolio.api.base import PortfolioScopedViewSet

RELATED = ("project", "author", "deleted_by", "gate_review", "charter", "artifact", "model_alert__deployed_model")


class TargetCommentViewSet(mixins.ListModelMixin, PortfolioScopedViewSet):
    """The comments of one target, oldest first (deleted ones as tombstones). POST adds one."""

    queryset = Comment.objects.all()
    serializer_class = CommentSerializer
    portfolio_field = "project__portfolio_id"
    target_kind: ClassVar[str]
    target_kwarg: ClassVar[str]
    target_by: ClassVar[str] = "pk"  # the target's field the URL's id names

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_target()  # an outsider gets 404 before the body is read

    def get_target(self) -> models.Model:
        if not hasattr(self, "_target"):
            targets = targets_visible_to(self.request.user, self.target_kind)
            target = targets.filter(**{self.target_by: self.kwargs[self.target_kwarg]}).first()
            if target is None:
                raise Http404
            self._target = target
        return self._target

    def get_base_queryset(self) -> QuerySet[Comment]:
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return comment_thread(self.get_target()).select_related(*RELATED).prefetch_related("mentions")

    @extend_schema(
        request=CommentInputSerializer,
        responses={201: CommentSerializer, **error_responses(400, 403, 404)},
        summary="Add a comment (each @mention must be a member of the portfolio)",
    )
    def create(self, request: Request, **kwargs: Any) -> Response:
        given = validated(CommentInputSerializer, self)
        comment = services.comment_create(actor=request.user, target=self.get_target(), body=given["body"])
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


def _path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


@extend_schema(tags=["comments"], parameters=[_path_id("review_pk", "The gate review's id.")])
class GateReviewCommentViewSet(TargetCommentViewSet):
    target_kind, target_kwarg = CommentTarget.GATE_REVIEW, "review_pk"


@extend_schema(tags=["comments"], parameters=[_path_id("project_pk", "The project's id.")])
class CharterCommentViewSet(TargetCommentViewSet):
    target_kind, target_kwarg, target_by = CommentTarget.CHARTER, "project_pk", "project_id"


@extend_schema(
    tags=["comments"], parameters=[_path_id("artifact_pk", "The artifact's id (as listed by a project's artifacts).")]
)
class ArtifactCommentViewSet(TargetCommentViewSet):
    target_kind, target_kwarg = CommentTarget.ARTIFACT, "artifact_pk"


@extend_schema(tags=["comments"], parameters=[_path_id("alert_pk", "The model alert's id.")])
class ModelAlertCommentViewSet(TargetCommentViewSet):
    target_kind, target_kwarg = CommentTarget.MODEL_ALERT, "alert_pk"


@extend_schema(tags=["comments"])
class CommentViewSet(mixins.RetrieveModelMixin, PortfolioScopedViewSet):
    """One comment: read it, edit it (its author), delete it (its author or a manager of the portfolio)."""

    queryset = Comment.objects.select_related(*RELATED).prefetch_related("mentions")
    serializer_class = CommentSerializer
    portfolio_field = "project__portfolio_id"
    lookup_value_regex = r"[0-9]{1,18}"  # ids only, never beyond a 64-bit integer: anything else is 404

    @extend_schema(
        request=CommentInputSerializer,
        responses={200: CommentSerializer, **error_responses(400, 403, 404, 409)},
        summary="Edit your comment (newly mentioned people are notified)",
    )
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        comment = self.get_object()
        given = validated(CommentInputSerializer, self)
        services.comment_edit(actor=request.user, comment=comment, body=given["body"])
        return Response(CommentSerializer(self.get_queryset().get(pk=comment.pk)).data)

    @extend_schema(
        request=None,
        responses={204: None, **error_responses(403, 404, 409)},
        summary="Delete a comment (it stays in its thread as a tombstone)",
    )
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.comment_delete(actor=request.user, comment=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
