"""Charter pages: read, edit (with in-place rows and a conflict view), versions and their diff."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from lifecycle.charter_diff import charter_compare
from lifecycle.forms.charter import ROW_FORMSETS, CharterEditForms, blank_row_form, plain_number, snapshot_of_changes
from lifecycle.models import Charter, CharterVersion, Project
from lifecycle.services import charter_snapshot, charter_update
from lifecycle.services.charter import CHARTER_SECTIONS
from lifecycle.views.common import visible_project
from portal.exceptions import NotAllowed, StaleEdit, ValidationFailed
from portfolio.access import can_edit_project

EDIT_REFUSED = "Only the portfolio's program or project managers can edit this charter."
# Django formsets refuse more than this many rows by default (DEFAULT_MAX_NUM).
MAX_ROWS = 1000


def _charter(project: Project) -> Charter:
    return Charter.objects.select_related("updated_by").prefetch_related(*CHARTER_SECTIONS).get(project=project)


def _page(request: HttpRequest, project: Project, **context: object) -> dict[str, object]:
    """What every charter page passes to the shared project header, plus its own context."""
    return {"project": project, "active_tab": "charter", "can_edit": can_edit_project(request.user, project), **context}


@login_required
@require_GET
def charter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    charter = _charter(project)
    metrics = [
        {"row": metric, "baseline": plain_number(metric.baseline), "target": plain_number(metric.target)}
        for metric in charter.success_metrics.all()
    ]
    roi = charter.expected_roi
    context = _page(
        request,
        project,
        charter=charter,
        metrics=metrics,
        roi_percent=None if roi is None else roi * 100,
        today=timezone.localdate(),
        version_count=charter.versions.count(),
    )
    return render(request, "lifecycle/charter/detail.html", context)


def _edit_page(
    request: HttpRequest, project: Project, forms: CharterEditForms, *, status: int = 200, conflict: dict | None = None
) -> HttpResponse:
    context = _page(request, project, forms=forms, conflict=conflict)
    return render(request, "lifecycle/charter/edit.html", context, status=status)


def _conflict_page(
    request: HttpRequest, project: Project, charter: Charter, exc: StaleEdit, mine: dict
) -> HttpResponse:
    """Theirs (the saved version) beside mine (what was submitted), and my input re-based on theirs."""
    data = request.POST.copy()
    data["base_version"] = str(exc.current_version)
    rebased = CharterEditForms(charter, data)
    rebased.is_valid()
    theirs = charter.versions.select_related("created_by").filter(number=exc.current_version).first()
    conflict = {
        "message": exc.message,
        "theirs": theirs,
        "version": exc.current_version,
        "left": f"Saved: version {exc.current_version}",
        "right": "Yours (not saved yet)",
        "comparison": charter_compare(exc.current, mine),
    }
    return _edit_page(request, project, rebased, status=409, conflict=conflict)


@login_required
@require_http_methods(["GET", "POST"])
def charter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    if not can_edit_project(request.user, project):
        messages.error(request, EDIT_REFUSED)
        return redirect("charter-detail", pk=project.pk)
    charter = _charter(project)
    if request.method != "POST":
        return _edit_page(request, project, CharterEditForms(charter))

    forms = CharterEditForms(charter, request.POST)
    if not forms.is_valid():
        messages.error(request, "The charter was not saved: correct the fields marked below.")
        return _edit_page(request, project, forms, status=400)
    changes = forms.changes()
    mine = snapshot_of_changes(changes)
    if not charter_compare(charter_snapshot(charter), mine).changed:
        messages.info(request, f"Nothing changed: the charter stays at version {charter.version}.")
        return redirect("charter-detail", pk=project.pk)
    try:
        saved = charter_update(
            actor=request.user, project=project, base_version=forms.base_version, changes=changes, note=forms.note
        )
    except StaleEdit as exc:
        return _conflict_page(request, project, charter, exc, mine)
    except ValidationFailed as exc:
        forms.add_domain_errors(exc.message, exc.details)
        return _edit_page(request, project, forms, status=400)
    except NotAllowed as exc:
        messages.error(request, exc.message)
        return redirect("charter-detail", pk=project.pk)
    messages.success(request, f"Saved as version {saved.version}.")
    return redirect("charter-detail", pk=project.pk)


@login_required
@require_GET
def charter_row_new(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """A blank row of a section's formset; the index is the section's current TOTAL_FORMS."""
    project = visible_project(request.user, pk)
    if section not in ROW_FORMSETS:
        raise Http404("No such charter section.")
    if not can_edit_project(request.user, project):
        raise PermissionDenied(EDIT_REFUSED)
    raw = request.GET.get(f"{section}-TOTAL_FORMS", request.GET.get("index", "0"))
    try:
        index = int(raw)
    except (TypeError, ValueError):
        return HttpResponse("The row index must be a number.", status=400, content_type="text/plain")
    if not 0 <= index < MAX_ROWS:
        return HttpResponse(f"A section holds at most {MAX_ROWS} rows.", status=400, content_type="text/plain")
    context = {"form": blank_row_form(section, index), "section": section, "new": True}
    return render(request, "lifecycle/charter/_row.html", context)


@login_required
@require_GET
def charter_versions(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    versions = list(
        CharterVersion.objects.filter(charter__project=project).select_related("created_by").order_by("-number")
    )
    context = _page(request, project, versions=versions)
    return render(request, "lifecycle/charter/versions.html", context)


def _version_number(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise Http404(f"'{raw}' is not a version number.") from exc


@login_required
@require_GET
def charter_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """?from=N&to=M; by default the previous version against the current one."""
    project = visible_project(request.user, pk)
    versions = {
        version.number: version
        for version in CharterVersion.objects.filter(charter__project=project).select_related("created_by")
    }
    if not versions:
        raise Http404("This charter has no saved versions.")
    newest = max(versions)
    to_number = _version_number(request, "to", newest)
    from_number = _version_number(request, "from", max(to_number - 1, min(versions)))
    missing = [number for number in (from_number, to_number) if number not in versions]
    if missing:
        raise Http404("No version " + " or ".join(str(n) for n in missing) + " of this charter.")
    old, new = versions[from_number], versions[to_number]
    context = _page(
        request,
        project,
        old=old,
        new=new,
        numbers=sorted(versions, reverse=True),
        comparison=charter_compare(old.content, new.content),
        left_title=f"Version {old.number}",
        right_title=f"Version {new.number}",
    )
    return render(request, "lifecycle/charter/diff.html", context)
