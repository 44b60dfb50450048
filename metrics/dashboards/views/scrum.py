"""The scrum dashboard of a team, and the delivery section of a project's dashboard: snapshots only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from lifecycle.views.common import visible_project
from metrics.charts import chart_csv_response, find_chart
from metrics.dashboards.scrum import EmptyLinks, team_snapshots, teams_snapshots
from metrics.dashboards.scrum_charts import delivery_charts, team_charts, team_kpis
from metrics.scrum.choices import JIRA_STATUSES, JIRA_TYPES, ItemType, StateGroup, mapping_rows
from metrics.scrum.models import RetroAction, Team
from metrics.scrum.selectors import teams_visible_to, visible_team
from portfolio.access import can_write_team, manageable_portfolios

IMPORT_KINDS = (
    ("jira-issues", "Jira issues"),
    ("work-items", "Work items"),
    ("retro-actions", "Retrospective actions"),
    ("mood-votes", "Mood votes"),
)


RECENTLY_CLOSED_ACTIONS = 5


def import_url(team: Team, kind: str = "jira-issues") -> str:
    """The CSV import page of ``kind`` into this team."""
    return reverse("import-csv", kwargs={"kind": kind, "scope_pk": team.pk})


def empty_links(team: Team) -> EmptyLinks:
    return EmptyLinks(
        sprint_create=reverse("team-sprint-create", args=[team.pk]),
        item_create=reverse("team-item-create", args=[team.pk]),
        retro_add=reverse("team-retro-add", args=[team.pk]),
        mood_vote=reverse("team-mood-vote", args=[team.pk]),
        team=reverse("team-dashboard", args=[team.pk]) + "#sprints",
    )


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
        "can_write": can_write_team(request.user, team),
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
