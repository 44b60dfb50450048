"""Team pages: the list, create, the scrum dashboard, and the delivery section of a project's dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from lifecycle.forms import manageable_portfolios
from lifecycle.views.common import visible_project
from metrics.charts import chart_csv_response, find_chart
from metrics.dashboards.scrum import delivery_charts, team_charts, team_kpis, team_snapshots, teams_snapshots
from metrics.scrum.choices import ItemType, SprintState, StateGroup
from metrics.scrum.forms import TeamCreateForm
from metrics.scrum.imports.items import JIRA_STATUSES, JIRA_TYPES, mapping_rows
from metrics.scrum.models import RetroAction
from metrics.scrum.services import sprints as services
from metrics.scrum.views.common import actor, empty_links, import_url, teams_visible_to, visible_team
from portal.exceptions import DomainError
from portal.forms import add_domain_error
from portfolio.access import can_write_team

IMPORT_KINDS = (
    ("jira-issues", "Jira issues"),
    ("work-items", "Work items"),
    ("retro-actions", "Retrospective actions"),
    ("mood-votes", "Mood votes"),
)
RECENTLY_CLOSED_ACTIONS = 5


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


@login_required
@require_GET
def team_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Reads the team's snapshots (never computes); ``?sprint=<pk>`` picks the burndown's sprint."""
    team = visible_team(request.user, pk)
    data = team_snapshots(team, request.GET.get("sprint"))
    charts = team_charts(data, empty_links(team))
    if request.GET.get("csv"):
        chart = find_chart(charts, request.GET["csv"])
        if chart is None:
            raise Http404("No such chart.")
        return chart_csv_response(chart)
    actions = RetroAction.objects.filter(sprint__team=team).select_related("sprint", "owner")
    context = {
        "team": team,
        "data": data,
        "charts": {chart.id.replace("-", "_"): chart for chart in charts},
        "kpis": team_kpis(data),
        "can_write": can_write_team(actor(request), team),
        "open_actions": list(actions.filter(closed_at__isnull=True).order_by("raised_at", "id")),
        "closed_actions": list(
            actions.filter(closed_at__isnull=False).order_by("-closed_at", "-id")[:RECENTLY_CLOSED_ACTIONS]
        ),
        "imports": [(label, import_url(team, kind)) for kind, label in IMPORT_KINDS],
        "status_mapping": mapping_rows(JIRA_STATUSES, StateGroup),
        "type_mapping": mapping_rows(JIRA_TYPES, ItemType),
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "sprint-charts":
        return render(request, "metrics/scrum/_sprint_charts.html", context)
    return render(request, "metrics/scrum/dashboard.html", context)


@login_required
@require_GET
def project_delivery_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """HTML for htmx insertion into the project's dashboard: each of its teams' velocity and current burndown."""
    project = visible_project(request.user, pk)
    teams = list(teams_visible_to(request.user).filter(project=project).order_by("name"))
    sections = [(data, delivery_charts(data, empty_links(data.team))) for data in teams_snapshots(teams)]
    context = {
        "project": project,
        "sections": sections,
        "can_create": manageable_portfolios(request.user).filter(pk=project.portfolio_id).exists(),
    }
    return render(request, "metrics/scrum/delivery_fragment.html", context)
