"""Artifacts: per phase, the required types and their status, versions, upload, waive and download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lifecycle import services
from lifecycle.choices import Phase
from lifecycle.downloads import artifact_version_response
from lifecycle.forms.artifacts import ArtifactUploadForm, ArtifactWaiveForm
from lifecycle.models import ArtifactType, ArtifactVersion, ArtifactWaiver, Project
from lifecycle.selectors import projects_visible_to
from lifecycle.services.artifacts import required_artifact_slugs
from lifecycle.services.raci import gate_people
from lifecycle.views.common import visible_project
from portal.exceptions import DomainError
from portal.forms import add_domain_error
from portfolio.access import can_contribute_artifacts, can_edit_project


def _phase_sections(project: Project) -> list[dict]:
    """Each phase reached so far: its required types and any other provided type, with versions."""
    types = {artifact_type.slug: artifact_type for artifact_type in ArtifactType.objects.all()}
    versions_by_key: dict[tuple[str, str], list[ArtifactVersion]] = {}
    for version in (
        ArtifactVersion.objects.filter(artifact__project=project)
        .select_related("artifact__artifact_type", "created_by")
        .order_by("-number")
    ):
        key = (version.artifact.phase, version.artifact.artifact_type.slug)
        versions_by_key.setdefault(key, []).append(version)
    waivers = {
        (waiver.phase, waiver.artifact_type.slug): waiver
        for waiver in ArtifactWaiver.objects.filter(project=project).select_related("artifact_type", "waived_by")
    }
    phases = Phase.ordered()
    current = phases.index(Phase(project.phase))
    sections = []
    for index, phase in enumerate(phases):
        required = required_artifact_slugs(phase)
        provided = {slug for (item_phase, slug) in versions_by_key if item_phase == phase}
        rows = []
        for slug in sorted(required | provided, key=lambda item: types[item].name if item in types else item):
            versions = versions_by_key.get((phase, slug), [])
            waiver = waivers.get((phase, slug))
            status = "provided" if versions else "waived" if waiver else "missing" if slug in required else "extra"
            rows.append(
                {
                    "type": types.get(slug),
                    "slug": slug,
                    "required": slug in required,
                    "status": status,
                    "versions": versions,
                    "waiver": waiver,
                }
            )
        sections.append(
            {
                "phase": phase,
                "rows": rows,
                "is_current": index == current,
                "is_future": index > current,
                "missing": sum(1 for row in rows if row["status"] == "missing"),
            }
        )
    return sections


def _page(request: HttpRequest, project: Project, upload_form=None, waive_form=None, waive_type=None):
    user = request.user
    accountable_id, _consulted = gate_people(project, project.phase)
    context = {
        "project": project,
        "active_tab": "artifacts",
        "can_edit": can_edit_project(user, project),
        "can_upload": project.is_active and can_contribute_artifacts(user, project),
        "can_waive": project.is_active and accountable_id == user.pk,
        "sections": _phase_sections(project),
        "upload_form": upload_form or ArtifactUploadForm(),
        "waive_form": waive_form,
        "waive_type": waive_type,
    }
    return render(request, "lifecycle/artifacts/page.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def artifact_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The page; a POST adds a version (a file or a link) to an artifact of the current phase."""
    project = visible_project(request.user, pk)
    if request.method == "GET":
        initial = {"artifact_type": request.GET.get("type")} if request.GET.get("type", "").isdigit() else {}
        return _page(request, project, upload_form=ArtifactUploadForm(initial=initial))
    form = ArtifactUploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = services.artifact_add_version(
                actor=request.user,
                project=project,
                artifact_type=data["artifact_type"],
                upload=data["file"] or None,
                url=data["url"],
                note=data["note"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{data['artifact_type']}: version {version.number} added.")
            return redirect("project-artifacts", pk=project.pk)
    return _page(request, project, upload_form=form)


@login_required
@require_POST
def artifact_waive(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    form = ArtifactWaiveForm(request.POST)
    if form.is_valid():
        artifact_type = form.cleaned_data["artifact_type"]
        try:
            services.artifact_waive(
                actor=request.user, project=project, artifact_type=artifact_type, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("project-artifacts", pk=project.pk)
        messages.success(request, f"{artifact_type} waived for the {project.get_phase_display()} phase.")
        return redirect("project-artifacts", pk=project.pk)
    waive_type = form.cleaned_data.get("artifact_type") if hasattr(form, "cleaned_data") else None
    return _page(request, project, waive_form=form, waive_type=getattr(waive_type, "slug", None))


@login_required
def artifact_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The only way to read a stored file: visible projects only, always as an attachment."""
    visible = projects_visible_to(request.user)
    version = get_object_or_404(
        ArtifactVersion.objects.select_related("artifact"), pk=pk, artifact__project__in=visible
    )
    return artifact_version_response(version)
