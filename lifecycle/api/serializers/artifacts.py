"""Artifacts: versions (uploads or links), waivers and the per-phase status of required types."""

from django.urls import reverse
from rest_framework import serializers

from lifecycle.choices import Phase
from lifecycle.models import Artifact, ArtifactType, ArtifactVersion, ArtifactWaiver
from portal.serializers import REASON_TEXT, UserSummarySerializer


class ArtifactTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArtifactType
        fields = ("slug", "name", "description")
        read_only_fields = fields


class ArtifactVersionSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True)
    download_url = serializers.SerializerMethodField()
    url = serializers.CharField(read_only=True, help_text="The link of a link version; empty for an upload.")

    class Meta:
        model = ArtifactVersion
        fields = (
            "id",
            "number",
            "kind",
            "original_filename",
            "content_type",
            "size",
            "sha256",
            "url",
            "note",
            "created_at",
            "created_by",
            "download_url",
        )
        read_only_fields = fields

    def get_download_url(self, version: ArtifactVersion) -> str:
        return reverse("api:artifact-version-download", kwargs={"pk": version.pk})


class ArtifactSerializer(serializers.ModelSerializer):
    artifact_type = ArtifactTypeSerializer(read_only=True)
    versions = ArtifactVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Artifact
        fields = ("id", "artifact_type", "phase", "created_at", "versions")
        read_only_fields = fields


class RequiredArtifactSerializer(serializers.Serializer):
    artifact_type = ArtifactTypeSerializer(read_only=True)
    availability = serializers.ChoiceField(choices=["provided", "waived", "missing"], read_only=True)
    waiver_reason = serializers.CharField(read_only=True, allow_blank=True)


class ArtifactOverviewSerializer(serializers.Serializer):
    """Everything the project's artifact page shows: the current phase's checklist and all versions."""

    phase = serializers.ChoiceField(choices=Phase.choices, read_only=True)
    required = RequiredArtifactSerializer(many=True, read_only=True)
    artifacts = ArtifactSerializer(many=True, read_only=True)


class ArtifactUploadSerializer(serializers.Serializer):
    """Multipart: `artifact_type` slug plus a `file`, or a `url` (exactly one of the two)."""

    artifact_type = serializers.SlugRelatedField(slug_field="slug", queryset=ArtifactType.objects.all())
    file = serializers.FileField(required=False, max_length=255)
    url = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ArtifactWaiveSerializer(serializers.Serializer):
    artifact_type = serializers.SlugRelatedField(slug_field="slug", queryset=ArtifactType.objects.all())
    reason = serializers.CharField(max_length=REASON_TEXT)


class ArtifactWaiverSerializer(serializers.ModelSerializer):
    artifact_type = ArtifactTypeSerializer(read_only=True)
    waived_by = UserSummarySerializer(read_only=True)

    class Meta:
        model = ArtifactWaiver
        fields = ("id", "artifact_type", "phase", "reason", "waived_by", "waived_at")
        read_only_fields = fields
