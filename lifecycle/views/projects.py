"""Project pages: the list, create and edit, the detail overview, resume and the history."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from lifecycle import selectors, services
from lifecycle.audit_catalog import audit_entry
from lifecycle.audit_filters import ProjectHistoryFilterSet
from lifecycle.catalog import phase_definition
from lifecycle.choices import ProjectState
from lifecycle.filters import ProjectFilterSet
from lifecycle.forms.projects import ProjectCreateForm, ProjectEditForm, ProjectResumeForm
from lifecycle.models import ArtifactType, ArtifactVersion, ArtifactWaiver, PhaseTransition
from lifecycle.services.artifacts import required_artifact_slugs
from lifecycle.services.raci import gate_people
from lifecycle.templatetags.lifecycle_tags import audit_rows
from lifecycle.views.common import visible_project
from portal.exceptions import DomainError
from portal.forms import add_domain_error
from portfolio.access import can_edit_project, is_executive_in, manageable_portfolios, portfolios_visible_to

PROJECTS_PER_PAGE = 50
HISTORY_PER_PAGE = 50


def _page(request: HttpRequest, queryset, per_page: int):
    # get_page() never raises: a bad or out-of-range ?page= shows the first or last page.
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def _visible_filterset(request: HttpRequest) -> ProjectFilterSet:
    """The shared FilterSet, with choice lists narrowed to what the user can see."""
    filterset = ProjectFilterSet(request.GET or None, queryset=selectors.project_list(request.user))
    visible = portfolios_visible_to(request.user)
    form = filterset.form
    form.fields["portfolio"].queryset = visible
    owners = selectors.project_list(request.user).values("owner_id")
    form.fields["owner"].queryset = get_user_model().objects.filter(pk__in=owners).order_by("username")
    return filterset


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    filterset = _visible_filterset(request)
    page = _page(request, filterset.qs, PROJECTS_PER_PAGE)
    context = {
        "filterset": filterset,
        "page": page,
        "projects": page.object_list,
        "can_create": manageable_portfolios(request.user).exists(),
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "ordering")),
    }
    return render(request, "lifecycle/projects/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    if not manageable_portfolios(request.user).exists():
        messages.error(request, "Only a portfolio's program or project managers can create projects.")
        return redirect("project-list")
    if request.method == "POST":
        form = ProjectCreateForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = services.project_create(
                    actor=request.user,
                    code=data["code"],
                    name=data["name"],
                    portfolio=data["portfolio"],
                    owner=data["owner"],
                    sponsor=data["sponsor"],
                    ideation_date=data["ideation_date"],
                    business_unit=data["business_unit"],
                    strategic_goal=data["strategic_goal"],
                    risk_tier=data["risk_tier"],
                    start_date=data["start_date"],
                    target_end_date=data["target_end_date"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, f"Project {project.code} created. Next: write its charter.")
                return redirect("project-detail", pk=project.pk)
    else:
        form = ProjectCreateForm(user=request.user, portfolio_id=request.GET.get("portfolio"))
    return render(request, "lifecycle/projects/form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    if not can_edit_project(request.user, project):
        messages.error(request, "Only the portfolio's program or project managers can edit this project.")
        return redirect("project-detail", pk=project.pk)
    if request.method == "POST":
        form = ProjectEditForm(request.POST, project=project)
        if form.is_valid():
            try:
                services.project_update(
                    actor=request.user, project=project, changes=form.changes(), reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, "Project saved.")
                return redirect("project-detail", pk=project.pk)
    else:
        form = ProjectEditForm(project=project)
    return render(request, "lifecycle/projects/form.html", {"form": form, "project": project, "creating": False})


def _artifact_status(project) -> list[dict]:
    """Required artifacts of the current phase: provided (latest version), waived or missing."""
    required = required_artifact_slugs(project.phase)
    latest: dict[str, ArtifactVersion] = {}
    versions = (
        ArtifactVersion.objects.filter(artifact__project=project, artifact__phase=project.phase)
        .select_related("artifact__artifact_type", "created_by")
        .order_by("artifact_id", "-number")
    )
    for version in versions:
        slug = version.artifact.artifact_type.slug
        latest.setdefault(slug, version)
    waivers = {
        waiver.artifact_type.slug: waiver
        for waiver in ArtifactWaiver.objects.filter(project=project, phase=project.phase).select_related(
            "artifact_type", "waived_by"
        )
    }
    names = dict(ArtifactType.objects.filter(slug__in=required).values_list("slug", "name"))
    rows = []
    for slug in sorted(required, key=lambda item: names.get(item, item)):
        status = "provided" if slug in latest else "waived" if slug in waivers else "missing"
        rows.append(
            {
                "slug": slug,
                "name": names.get(slug, slug),
                "status": status,
                "version": latest.get(slug),
                "waiver": waivers.get(slug),
            }
        )
    return rows


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    user = request.user
    activities = list(project.activities.filter(phase=project.phase).order_by("position", "id"))
    reviews = list(selectors.project_gate_reviews(project))
    accountable_id, consulted_ids = gate_people(project, project.phase)
    artifacts = _artifact_status(project)
    open_review = next((review for review in reviews if review.is_open), None)
    can_edit = can_edit_project(user, project)
    context = {
        "project": project,
        "active_tab": "overview",
        "definition": phase_definition(project.phase),
        "activities": activities,
        "activities_done": sum(1 for activity in activities if activity.done),
        "artifacts": artifacts,
        "artifacts_missing": [row for row in artifacts if row["status"] == "missing"],
        "reviews": reviews,
        "open_review": open_review,
        "transitions": PhaseTransition.objects.filter(project=project)
        .select_related("actor", "gate_review")
        .order_by("-at", "-id"),
        "can_edit": can_edit,
        "can_request_gate": can_edit and project.is_active and open_review is None,
        "can_resume": project.state == ProjectState.ON_HOLD
        and (user.is_superuser or is_executive_in(user, project.portfolio_id)),
        "is_accountable": accountable_id == user.pk,
        "is_reviewer": user.pk in consulted_ids,
        "resume_form": ProjectResumeForm(),
    }
    return render(request, "lifecycle/projects/detail.html", context)


@login_required
@require_POST
def project_resume(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    form = ProjectResumeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the project resumes.")
        return redirect("project-detail", pk=project.pk)
    try:
        services.project_resume(actor=request.user, project=project, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{project.code} is active again.")
    return redirect("project-detail", pk=project.pk)


@login_required
def project_history(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    filterset = ProjectHistoryFilterSet(
        request.GET or None, queryset=selectors.project_history(project), project=project
    )
    # A filter that does not read (a misspelt date) shows its error and no rows, not the unfiltered trail.
    found = filterset.qs if not filterset.is_bound or filterset.is_valid() else filterset.queryset.none()
    page = _page(request, found, HISTORY_PER_PAGE)
    records = list(page.object_list)
    people = _people_named_in(records)
    for record in records:
        record.rows = audit_rows(record, people)
        record.entry = audit_entry(record.action)
    context = {
        "project": project,
        "active_tab": "history",
        "filterset": filterset,
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
        "page": page,
        "records": records,
    }
    return render(request, "lifecycle/projects/history.html", context)


def _people_named_in(records) -> dict[str, str]:
    """RACI records key roles by user id; one query turns those ids into names."""
    ids = set()
    for record in records:
        if record.action.startswith("raci."):
            for side in (record.before, record.after):
                for cells in (side or {}).values():
                    ids.update(key for key in (cells or {}) if str(key).isdigit())
    users = get_user_model().objects.filter(pk__in=[int(key) for key in ids]) if ids else []
    return {str(user.pk): user.get_full_name() or user.get_username() for user in users}
