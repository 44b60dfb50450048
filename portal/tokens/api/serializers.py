"""Shapes of the token API. The secret appears in one answer only: the one that creates the token."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from portal.models import TOKEN_NAME_MAX_LENGTH, ApiToken, TokenScope
from portal.serializers import NamedEnumField
from portal.tokens.services import default_expiry_days


class ApiTokenSerializer(serializers.ModelSerializer):
    scope = NamedEnumField(enum_name="TokenScope", choices=TokenScope.choices, read_only=True)
    created = serializers.DateTimeField(source="auth_token.created", read_only=True)
    expiry = serializers.DateTimeField(
        source="auth_token.expiry", read_only=True, allow_null=True, help_text="When the token stops working."
    )
    last_used = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Last request made with it, to the minute; null if never used."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "created", "expiry", "last_used"]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text="The secret, shown this once: send it as `Authorization: Token <token>`."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=TOKEN_NAME_MAX_LENGTH, help_text="What the token is for.")
    scope = NamedEnumField(
        enum_name="TokenScope",
        choices=TokenScope.choices,
        default=TokenScope.READ_ONLY,
        help_text="read_only tokens may only read (GET); read_write tokens may do what you may do.",
    )
    expires_in_days = serializers.IntegerField(
        min_value=1,
        max_value=settings.STAGEGATE_TOKEN_MAX_DAYS,
        required=False,
        help_text=f"Days until the token stops working (default {default_expiry_days()}).",
    )

    def validate_expires_in_days(self, value: int) -> int:
        maximum = settings.STAGEGATE_TOKEN_MAX_DAYS  # the setting now, not when this module was imported
        if value > maximum:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {maximum}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("expires_in_days", default_expiry_days())
        return attrs


class SignedOutSerializer(serializers.Serializer):
    tokens_revoked = serializers.IntegerField(help_text="How many tokens were revoked, this one included.")
    sessions_ended = serializers.BooleanField(help_text="Every browser session must sign in again.")
