"""Small nested shapes reused across the lifecycle API."""

from typing import Any

from rest_framework import serializers

# Bounds on free text the models leave unbounded (TextField): a body is never an essay of megabytes.
LONG_TEXT = 20_000
REASON_TEXT = 2_000
# The largest id PostgreSQL's bigint holds; bigger numbers are refused as input, not sent to the database.
MAX_ID = 2**63 - 1


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.SerializerMethodField()

    def get_full_name(self, user: Any) -> str:
        return user.get_full_name() or user.username


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PortfolioRefSerializer(NamedRefSerializer):
    slug = serializers.CharField(read_only=True)


def id_field(**kwargs: object) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)  # type: ignore[arg-type]


def reason_field(**kwargs: object) -> serializers.CharField:
    options: dict[str, object] = {"required": False, "allow_blank": True, "max_length": REASON_TEXT}
    options.update(kwargs)
    if not options["required"]:
        options.setdefault("default", "")
    return serializers.CharField(**options)  # type: ignore[arg-type]
