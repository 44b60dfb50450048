"""Artifacts: new versions (upload or link) and waivers of required ones."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lifecycle.catalog import phase_definition
from lifecycle.choices import ArtifactKind
from lifecycle.models import Artifact, ArtifactType, ArtifactVersion, ArtifactWaiver, Project
from lifecycle.services.audit import audit_write
from lifecycle.services.raci import gate_people
from lifecycle.uploads import check_upload
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_contribute_artifacts


def required_artifact_slugs(phase: str) -> set[str]:
    """The catalog's required types for the phase plus any type an admin marked required in it."""
    required = set(phase_definition(phase).required_artifacts)
    required |= {
        slug for slug, phases in ArtifactType.objects.values_list("slug", "required_phases") if phase in (phases or [])
    }
    return required


def artifacts_missing_for_gate(project: Project, phase: str | None = None) -> list[ArtifactType]:
    """Required types of the phase with no version in it and no waiver: what blocks the gate request."""
    phase = phase or project.phase
    required = required_artifact_slugs(phase)
    provided = set(
        ArtifactVersion.objects.filter(artifact__project=project, artifact__phase=phase).values_list(
            "artifact__artifact_type__slug", flat=True
        )
    )
    waived = set(
        ArtifactWaiver.objects.filter(project=project, phase=phase).values_list("artifact_type__slug", flat=True)
    )
    missing = required - provided - waived
    return list(ArtifactType.objects.filter(slug__in=missing).order_by("name"))


@transaction.atomic
def artifact_add_version(
    *,
    actor: User,
    project: Project,
    artifact_type: ArtifactType,
    upload: UploadedFile | None = None,
    url: str = "",
    note: str = "",
) -> ArtifactVersion:
    """Add a version of the project's artifact of this type in its current phase."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_contribute_artifacts(actor, project):
        raise NotAllowed("You cannot add artifacts to this project.")
    if not project.is_active:
        raise TransitionNotAllowed(f"The project is {project.get_state_display().lower()}; artifacts are frozen.")
    url = (url or "").strip()
    if bool(upload) == bool(url):
        raise ValidationFailed("Give either a file or a link, not both and not neither.", details={"file": "Required."})
    fields: dict[str, object] = {"note": (note or "").strip()[:300]}
    if upload is not None:
        checked = check_upload(upload, upload.name or "", upload.size or 0)
        fields.update(
            kind=ArtifactKind.UPLOAD,
            original_filename=checked.original_filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
    else:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except DjangoValidationError as exc:
            raise ValidationFailed("The link must be a full http(s) URL.", details={"url": "Invalid URL."}) from exc
        if len(url) > 500:
            raise ValidationFailed("Keep the link under 500 characters.", details={"url": "Too long."})
        fields.update(kind=ArtifactKind.LINK, url=url)
    now = timezone.now()
    artifact, _created = Artifact.objects.get_or_create(
        project=project, artifact_type=artifact_type, phase=project.phase, defaults={"created_at": now}
    )
    number = (artifact.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = ArtifactVersion(artifact=artifact, number=number, created_at=now, created_by=actor, **fields)
    if upload is not None:
        version.file.save(upload.name or "upload", upload, save=False)
    try:
        version.save()
        _audit_new_version(actor, project, artifact, version)
    except Exception:
        if version.file:  # the transaction rolls back: do not leave the stored file behind
            version.file.delete(save=False)
        raise
    return version


def _audit_new_version(actor: User, project: Project, artifact: Artifact, version: ArtifactVersion) -> None:
    audit_write(
        actor=actor,
        action="artifact.add_version",
        target=version,
        project=project,
        after={
            "artifact_type": artifact.artifact_type.slug,
            "phase": artifact.phase,
            "number": version.number,
            "kind": version.kind,
            "name": version.display_name,
            "sha256": version.sha256,
        },
        reason=version.note,
    )


@transaction.atomic
def artifact_waive(*, actor: User, project: Project, artifact_type: ArtifactType, reason: str) -> ArtifactWaiver:
    """The Accountable person of the current phase's gate excuses a required artifact."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    accountable, _consulted = gate_people(project, project.phase)
    if accountable != actor.pk:
        raise NotAllowed("Only the Accountable person of this phase's gate can waive a required artifact.")
    if not project.is_active:
        raise TransitionNotAllowed(f"The project is {project.get_state_display().lower()}.")
    if artifact_type.slug not in required_artifact_slugs(project.phase):
        raise ValidationFailed(f"{artifact_type} is not required in the {project.get_phase_display()} phase.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("A waiver needs a reason.", details={"reason": "Required."})
    waiver, created = ArtifactWaiver.objects.get_or_create(
        project=project,
        artifact_type=artifact_type,
        phase=project.phase,
        defaults={"reason": reason, "waived_by": actor, "waived_at": timezone.now()},
    )
    if not created:
        raise TransitionNotAllowed(f"{artifact_type} is already waived for this phase.")
    audit_write(
        actor=actor,
        action="artifact.waive",
        target=waiver,
        project=project,
        after={"artifact_type": artifact_type.slug, "phase": project.phase},
        reason=reason,
    )
    return waiver


def artifact_types_ensure() -> None:
    """Create the catalog's standard artifact types if missing (they are also seeded by migration 0003;
    a transactional test flush or an admin may have removed them)."""
    from lifecycle.catalog import STANDARD_ARTIFACT_TYPES

    for slug, name, description in STANDARD_ARTIFACT_TYPES:
        ArtifactType.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
