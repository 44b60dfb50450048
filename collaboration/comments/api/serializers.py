from rest_framework import serializers

from collaboration.comments.choices import BODY_MAX_LENGTH, CommentTarget
from collaboration.comments.models import Comment
from collaboration.comments.targets import comment_url
from portal.serializers import UserSummarySerializer


class CommentSerializer(serializers.ModelSerializer):
    """A comment; a deleted one keeps its place with an empty body, ``deleted_at`` and ``deleted_by``."""

    target_kind = serializers.ChoiceField(choices=CommentTarget.choices, read_only=True)
    target_id = serializers.IntegerField(read_only=True)
    author = UserSummarySerializer(read_only=True)
    deleted_by = UserSummarySerializer(read_only=True, allow_null=True)
    mentions = serializers.SerializerMethodField(help_text="Usernames of the people the comment mentions.")
    url = serializers.SerializerMethodField(help_text="The site path of the comment on its target's page.")

    class Meta:
        model = Comment
        fields = (
            "id",
            "project",
            "target_kind",
            "target_id",
            "author",
            "body",
            "created_at",
            "edited_at",
            "deleted_at",
            "deleted_by",
            "mentions",
            "url",
        )
        read_only_fields = fields

    def get_mentions(self, comment: Comment) -> list[str]:
        return sorted(user.username for user in comment.mentions.all())

    def get_url(self, comment: Comment) -> str:
        return comment_url(comment)


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=BODY_MAX_LENGTH,
        help_text="Markdown. Each @username must be an active member of the project's portfolio.",
    )
