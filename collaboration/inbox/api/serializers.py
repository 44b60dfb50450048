"""Shape of an inbox row in the API (the same rows as the /inbox/ page)."""

from rest_framework import serializers

from collaboration.inbox.choices import InboxKind


class InboxRowSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True, help_text='Kind and object id, e.g. "decision-12" (review 12).')
    kind = serializers.ChoiceField(choices=InboxKind.choices, read_only=True)
    object_id = serializers.IntegerField(
        read_only=True,
        help_text="The gate review (decision, vote), evidence request, gate action or model alert the row is about.",
    )
    project_id = serializers.IntegerField(read_only=True)
    project_code = serializers.CharField(read_only=True)
    project_name = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True, help_text="The page where it is done.")
    since = serializers.DateTimeField(read_only=True, help_text="Since when it waits for the person.")
    due_date = serializers.DateField(read_only=True, allow_null=True)
    overdue = serializers.BooleanField(read_only=True)
    due_soon = serializers.BooleanField(read_only=True, help_text="Due within the next 7 days.")
