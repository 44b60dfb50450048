"""Sprint pages: plan a sprint, start it, close it (freezing its summary), reopen it with a reason."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from metrics.scrum.forms import ReasonForm, SprintCreateForm
from metrics.scrum.models import Sprint, Team
from metrics.scrum.services import sprints as services
from metrics.scrum.views.common import actor, writable_team
from portal.exceptions import DomainError
from portal.forms import add_domain_error


def _form_page(request: HttpRequest, team: Team, form, title: str, intro: str = "", status: int = 200) -> HttpResponse:
    context = {"team": team, "form": form, "title": title, "intro": intro}
    return render(request, "metrics/scrum/form.html", context, status=status)


def _dashboard(team: Team, anchor: str = "sprints") -> str:
    return reverse("team-dashboard", args=[team.pk]) + f"#{anchor}"


@login_required
@require_http_methods(["GET", "POST"])
def sprint_create(request: HttpRequest, pk: int) -> HttpResponse:
    team = writable_team(request.user, pk)
    form = SprintCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sprint = services.sprint_create(
                actor=actor(request),
                team=team,
                name=data["name"],
                planned_start=data["planned_start"],
                planned_end=data["planned_end"],
                goal=data["goal"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Sprint {sprint.name} planned. Add its items, then start it.")
            return redirect(_dashboard(team))
    status = 400 if form.is_bound and form.errors else 200
    intro = "A sprint starts when you start it: the items in it at that moment are its commitment."
    return _form_page(request, team, form, "Plan a sprint", intro, status)


def _transition(
    request: HttpRequest, pk: int, sprint_pk: int, action: Callable[..., Sprint], done: str
) -> HttpResponse:
    team = writable_team(request.user, pk)
    sprint = get_object_or_404(Sprint, pk=sprint_pk, team=team)
    try:
        action(actor=actor(request), sprint=sprint)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done.format(name=sprint.name))
    return redirect(_dashboard(team))


@login_required
@require_POST
def sprint_start(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    return _transition(request, pk, sprint_pk, services.sprint_start, "Sprint {name} started: its items are committed.")


@login_required
@require_POST
def sprint_close(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    return _transition(request, pk, sprint_pk, services.sprint_close, "Sprint {name} closed: its summary is frozen.")


@login_required
@require_http_methods(["GET", "POST"])
def sprint_reopen(request: HttpRequest, pk: int, sprint_pk: int) -> HttpResponse:
    team = writable_team(request.user, pk)
    sprint = get_object_or_404(Sprint, pk=sprint_pk, team=team)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.sprint_reopen(actor=actor(request), sprint=sprint, reason=form.cleaned_data["reason"])
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, f"Sprint {sprint.name} reopened. Its frozen summary and charts stay as they were."
            )
            return redirect(_dashboard(team))
    status = 400 if form.is_bound and form.errors else 200
    intro = "Reopening does not change the sprint's frozen summary or charts; the reason is kept in its history."
    return _form_page(request, team, form, f"Reopen {sprint.name}", intro, status)
