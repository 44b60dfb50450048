"""Charter: the read shape (fields, sections, version) and the PATCH input shape."""

from typing import Any

from django.core.validators import URLValidator
from rest_framework import serializers

from lifecycle.choices import GoalType
from lifecycle.models import Charter, CharterVersion, DataDictionaryEntry, DataSource, Milestone, SuccessMetric
from lifecycle.services.charter import CHARTER_FIELDS, CHARTER_SECTIONS
from portal.serializers import LONG_TEXT, UserSummarySerializer


def _row_serializer(row_model: type, section: str) -> type[serializers.ModelSerializer]:
    """A serializer for one section's rows, with the model's own limits (lengths, digits, URL, dates)."""
    _model, fields = CHARTER_SECTIONS[section]
    meta = type("Meta", (), {"model": row_model, "fields": fields})
    attrs: dict[str, Any] = {"Meta": meta}
    for name in ("definition", "description"):  # unbounded TextFields on the model
        if name in fields:
            attrs[name] = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    if "link" in fields:  # a URL or nothing: "" is not a URI, so the schema must not promise one
        attrs["link"] = serializers.CharField(
            max_length=500, required=False, allow_blank=True, validators=[URLValidator(schemes=["http", "https"])]
        )
    class_name = "".join(part.title() for part in section.split("_")) + "RowSerializer"
    return type(class_name, (serializers.ModelSerializer,), attrs)


SECTION_SERIALIZERS: dict[str, type[serializers.ModelSerializer]] = {
    "success_metrics": _row_serializer(SuccessMetric, "success_metrics"),
    "data_sources": _row_serializer(DataSource, "data_sources"),
    "data_dictionary": _row_serializer(DataDictionaryEntry, "data_dictionary"),
    "milestones": _row_serializer(Milestone, "milestones"),
}


class CharterSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    success_metrics = SECTION_SERIALIZERS["success_metrics"](many=True, read_only=True)
    data_sources = SECTION_SERIALIZERS["data_sources"](many=True, read_only=True)
    data_dictionary = SECTION_SERIALIZERS["data_dictionary"](many=True, read_only=True)
    milestones = SECTION_SERIALIZERS["milestones"](many=True, read_only=True)
    expected_roi = serializers.DecimalField(
        max_digits=30, decimal_places=4, read_only=True, allow_null=True, help_text="(benefit - cost) / cost."
    )
    updated_by = UserSummarySerializer(read_only=True, allow_null=True)
    goal_type = serializers.ChoiceField(choices=GoalType.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Charter
        fields = (
            "project",
            "version",
            *CHARTER_FIELDS,
            *CHARTER_SECTIONS,
            "expected_roi",
            "updated_at",
            "updated_by",
        )
        read_only_fields = fields


class CharterPatchSerializer(serializers.Serializer):
    """Only the fields and sections sent change; a section sent replaces all its rows."""

    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text="The version this edit is based on (or send If-Match with the ETag instead).",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    objective = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    goal_type = serializers.ChoiceField(choices=GoalType.choices, required=False, allow_blank=True)
    goal_description = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    model_users = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    business_process = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    acceptance_measure = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    expected_benefit = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    expected_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    success_metrics = SECTION_SERIALIZERS["success_metrics"](many=True, required=False)
    data_sources = SECTION_SERIALIZERS["data_sources"](many=True, required=False)
    data_dictionary = SECTION_SERIALIZERS["data_dictionary"](many=True, required=False)
    milestones = SECTION_SERIALIZERS["milestones"](many=True, required=False)

    def changes(self) -> dict[str, Any]:
        """The validated fields and sections as the charter_update service takes them."""
        data = self.validated_data
        changes: dict[str, Any] = {field: data[field] for field in CHARTER_FIELDS if field in data}
        for section in CHARTER_SECTIONS:
            if section in data:
                changes[section] = [dict(row) for row in data[section]]
        return changes


class CharterVersionSummarySerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = CharterVersion
        fields = ("number", "created_at", "created_by", "note")
        read_only_fields = fields


class CharterVersionSerializer(CharterVersionSummarySerializer):
    content = serializers.JSONField(read_only=True, help_text="The whole charter as saved in this version.")

    class Meta(CharterVersionSummarySerializer.Meta):
        fields = (*CharterVersionSummarySerializer.Meta.fields, "content")
        read_only_fields = fields
