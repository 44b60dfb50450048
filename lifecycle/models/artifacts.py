import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models

from lifecycle.choices import ArtifactKind, Phase


class ArtifactType(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # Phases whose gate requires this type; a short list, read in Python (portable across databases).
    required_phases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Artifact(models.Model):
    """A deliverable of a phase; its content lives in versions, the newest being current."""

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="artifacts")
    artifact_type = models.ForeignKey(ArtifactType, on_delete=models.PROTECT, related_name="artifacts")
    phase = models.CharField(max_length=16, choices=Phase.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["project_id", "phase", "artifact_type__name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "artifact_type", "phase"], name="artifact_unique_per_phase")
        ]

    def __str__(self) -> str:
        return f"{self.artifact_type} ({self.get_phase_display()})"


def artifact_upload_path(instance: "ArtifactVersion", filename: str) -> str:
    # Random, unguessable names: the original name is kept in the row, never on disk.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"artifacts/{instance.artifact.project_id}/{secrets.token_hex(16)}{suffix}"


class ArtifactVersion(models.Model):
    """One immutable version: an uploaded file or a link."""

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=ArtifactKind.choices)
    file = models.FileField(upload_to=artifact_upload_path, blank=True, max_length=300)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(blank=True, max_length=500)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["artifact_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["artifact", "number"], name="artifact_version_unique")]

    def __str__(self) -> str:
        return f"{self.artifact} v{self.number}"

    @property
    def display_name(self) -> str:
        return self.original_filename or self.url


class ArtifactWaiver(models.Model):
    """The gate's Accountable person excused a required artifact for one phase, with a reason."""

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="waivers")
    artifact_type = models.ForeignKey(ArtifactType, on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=16, choices=Phase.choices)
    reason = models.TextField()
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "artifact_type", "phase"], name="waiver_unique_per_phase")
        ]

    def __str__(self) -> str:
        return f"{self.artifact_type} waived in {self.get_phase_display()}"
