"""The phase checklist, edited in place with htmx.

Every write answers an htmx request with the HTML fragment to swap (a row, or nothing for a
removed row) and a plain request with a redirect, so the page also works without JavaScript.
A refusal comes back as an alert swapped into the page's alert area (422) or as a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lifecycle import services
from lifecycle.choices import Phase
from lifecycle.forms.checklist import ActivityAddForm, ActivityRemoveForm, ActivityRenameForm
from lifecycle.models import Activity, Project
from lifecycle.selectors import projects_visible_to
from lifecycle.views.common import visible_project
from portal.exceptions import DomainError
from portfolio.access import can_edit_project

ROW_TEMPLATE = "lifecycle/checklist/_activity_row.html"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def htmx_refusal(request: HttpRequest, message: str) -> HttpResponse:
    """The refusal as an alert placed in base.html's #htmx-alerts, whatever the request targeted."""
    response = render(request, "lifecycle/includes/htmx_alert.html", {"message": message}, status=422)
    response["HX-Retarget"] = "#htmx-alerts"
    response["HX-Reswap"] = "innerHTML"
    return response


def _visible_activity(request: HttpRequest, pk: int) -> Activity:
    queryset = Activity.objects.select_related("project").filter(project__in=projects_visible_to(request.user))
    return get_object_or_404(queryset, pk=pk)


def _refused(request: HttpRequest, project: Project, message: str) -> HttpResponse:
    if is_htmx(request):
        return htmx_refusal(request, message)
    messages.error(request, message)
    return redirect("project-checklist", pk=project.pk)


def _saved(request: HttpRequest, activity: Activity, message: str) -> HttpResponse:
    if is_htmx(request):
        return render(request, ROW_TEMPLATE, {"activity": activity, "can_edit": True})
    messages.success(request, message)
    return redirect("project-checklist", pk=activity.project_id)


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Check the form."


@login_required
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    activities = list(project.activities.order_by("position", "id"))
    groups = []
    for phase in Phase.ordered():
        lines = [activity for activity in activities if activity.phase == phase]
        groups.append(
            {
                "phase": phase,
                "activities": [activity for activity in lines if not activity.is_gate],
                "gates": [activity for activity in lines if activity.is_gate],
                "done": sum(1 for activity in lines if activity.done),
                "total": len(lines),
                "is_current": phase == project.phase,
                "is_past": Phase.ordered().index(phase) < Phase.ordered().index(Phase(project.phase)),
            }
        )
    context = {
        "project": project,
        "active_tab": "checklist",
        "groups": groups,
        "can_edit": can_edit_project(request.user, project),
    }
    return render(request, "lifecycle/checklist/page.html", context)


@login_required
@require_POST
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = visible_project(request.user, pk)
    form = ActivityAddForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, _first_error(form))
    try:
        activity = services.activity_add(
            actor=request.user, project=project, phase=form.cleaned_data["phase"], name=form.cleaned_data["name"]
        )
    except DomainError as error:
        return _refused(request, project, error.message)
    return _saved(request, activity, f"Added “{activity.name}”.")


@login_required
@require_POST
def activity_rename(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request, pk)
    form = ActivityRenameForm(request.POST)
    if not form.is_valid():
        return _refused(request, activity.project, _first_error(form))
    try:
        activity = services.activity_rename(actor=request.user, activity=activity, name=form.cleaned_data["name"])
    except DomainError as error:
        return _refused(request, activity.project, error.message)
    return _saved(request, activity, f"Renamed to “{activity.name}”.")


@login_required
@require_POST
def activity_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Set done from the posted checkbox: present and truthy means done, absent means not done."""
    activity = _visible_activity(request, pk)
    done = request.POST.get("done", "").lower() in ("1", "true", "on", "yes")
    try:
        activity = services.activity_set_done(actor=request.user, activity=activity, done=done)
    except DomainError as error:
        return _refused(request, activity.project, error.message)
    return _saved(request, activity, f"“{activity.name}” marked {'done' if done else 'not done'}.")


@login_required
@require_POST
def activity_remove(request: HttpRequest, pk: int) -> HttpResponse:
    activity = _visible_activity(request, pk)
    project, name = activity.project, activity.name
    form = ActivityRemoveForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.activity_remove(actor=request.user, activity=activity, reason=reason)
    except DomainError as error:
        return _refused(request, project, error.message)
    if is_htmx(request):
        return HttpResponse("")  # the row's outerHTML becomes nothing
    messages.success(request, f"Removed “{name}”.")
    return redirect("project-checklist", pk=project.pk)
