"""Team pages: the list, create, the scrum dashboard, and the delivery section of a project's dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from metrics.scrum.choices import SprintState
from metrics.scrum.forms import TeamCreateForm
from metrics.scrum.selectors import teams_visible_to
from metrics.scrum.services import sprints as services
from metrics.scrum.views.common import actor
from portal.exceptions import DomainError
from portal.forms import add_domain_error
from portfolio.access import manageable_portfolios


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    teams = (
        teams_visible_to(request.user)
        .select_related("portfolio", "project")
        .annotate(
            sprint_count=Count("sprints", distinct=True),
            active_count=Count("sprints", filter=Q(sprints__state=SprintState.ACTIVE), distinct=True),
        )
        .order_by("portfolio__name", "name")
    )
    context = {"teams": teams, "can_create": manageable_portfolios(request.user).exists()}
    return render(request, "metrics/scrum/team_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    if not manageable_portfolios(request.user).exists():
        messages.error(request, "Only a portfolio's program or project managers can create teams.")
        return redirect("team-list")
    form = TeamCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            team = services.team_create(
                actor=actor(request),
                portfolio=data["portfolio"],
                name=data["name"],
                project=data["project"],
                members=data["members"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Team {team.name} created. Next: plan its first sprint or import its issues.")
            return redirect("team-dashboard", pk=team.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "metrics/scrum/team_form.html", {"form": form}, status=status)
