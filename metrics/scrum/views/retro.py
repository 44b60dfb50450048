"""Retrospective actions (add, close) and the team's mood vote."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from metrics.scrum.forms import MoodVoteForm, RetroActionForm
from metrics.scrum.models import RetroAction
from metrics.scrum.selectors import visible_team
from metrics.scrum.services import sprints as services
from metrics.scrum.views.common import actor, writable_team
from portal.exceptions import DomainError
from portal.forms import add_domain_error


def _back(team_pk: int, anchor: str) -> str:
    return reverse("team-dashboard", args=[team_pk]) + f"#{anchor}"


@login_required
@require_http_methods(["GET", "POST"])
def retro_action_add(request: HttpRequest, pk: int) -> HttpResponse:
    team = writable_team(request.user, pk)
    form = RetroActionForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.retro_action_add(
                actor=actor(request), sprint=data["sprint"], text=data["text"], owner=data["owner"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, "Retrospective action added.")
            return redirect(_back(team.pk, "retro-actions"))
    context = {
        "team": team,
        "form": form,
        "title": "Add a retrospective action",
        "intro": "Process refinement counts the actions closed by the next retrospective.",
        "empty_choice": None if form.fields["sprint"].queryset.exists() else "No sprint has started yet.",  # type: ignore[attr-defined]
    }
    return render(request, "metrics/scrum/form.html", context, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_POST
def retro_action_close(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    team = writable_team(request.user, pk)
    action = get_object_or_404(RetroAction.objects.select_related("sprint__team"), pk=action_pk, sprint__team=team)
    try:
        services.retro_action_close(actor=actor(request), action=action)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Retrospective action closed.")
    return redirect(_back(team.pk, "retro-actions"))


@login_required
@require_http_methods(["GET", "POST"])
def mood_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Any reader may open the form; the service lets only the team's members vote (their own vote)."""
    team = visible_team(request.user, pk)
    form = MoodVoteForm(request.POST or None, team=team)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.mood_vote_record(actor=actor(request), sprint=data["sprint"], score=data["score"])
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status_code
        else:
            messages.success(request, f"Your mood for {data['sprint'].name} is recorded.")
            return redirect(_back(team.pk, "chart-mood"))
    context = {
        "team": team,
        "form": form,
        "title": "How was the sprint?",
        "intro": "Your own vote, 1 to 5; voting again replaces it. Only the team's members vote.",
        "empty_choice": None if form.fields["sprint"].queryset.exists() else "No sprint has started yet.",  # type: ignore[attr-defined]
    }
    if form.is_bound and form.errors and status == 200:
        status = 400
    return render(request, "metrics/scrum/form.html", context, status=status)
