"""Scrum headlines use closed sprints and name the last one: say/do and velocity never come from the running
sprint."""

import datetime

import pytest
from django.urls import reverse

from metrics.dashboards.scrum import team_snapshots
from metrics.dashboards.scrum_charts import last_closed_sprint, team_kpis
from metrics.scrum.models import Sprint
from metrics.scrum.services import sprints as services
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute
from tests.metrics.scrum_builders import at, done, item, make_team, sprint

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


@pytest.fixture
def team(project, people):
    return make_team(people, project.portfolio, project)


@pytest.fixture
def running(team, people):
    """Sprint 1 (2-13 March) closed: A (5) done of A + B (8) committed. Sprint 2 (16-27 March) running: C (10)
    committed, nothing done yet."""
    pm = people["pm"]
    first = sprint(team, pm, "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    a = item(team, pm, "A", 5, first, at(3, 1))
    item(team, pm, "B", 3, first, at(3, 1))
    services.sprint_start(actor=pm, sprint=first, at=at(3, 2, 9))
    done(pm, a, at(3, 3))
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=first.pk), at=at(3, 13, 17))
    second = sprint(team, pm, "Sprint 2", datetime.date(2026, 3, 16), datetime.date(2026, 3, 27))
    item(team, pm, "C", 10, second, at(3, 15))
    services.sprint_start(actor=pm, sprint=second, at=at(3, 16, 9))
    scope_compute(ScopeType.TEAM, team.pk)
    return Sprint.objects.get(pk=second.pk)


def test_say_do_headline_is_the_last_closed_sprint_while_one_is_running(team, running):
    data = team_snapshots(team)
    assert data.selected == running  # the charts show the running sprint ...
    assert data.of_sprint("say_do", running).value == 0.0  # ... whose say/do so far is 0 %
    first = Sprint.objects.get(team=team, name="Sprint 1")
    assert last_closed_sprint(data) == (first.pk, "Sprint 1")
    kpis = {kpi.label: kpi for kpi in team_kpis(data)}
    say_do = kpis["Say/do"]
    # ... but the headline is Sprint 1's: 5 of the 8 points committed = 62.5 %, "fair".
    assert (say_do.caption, say_do.value, say_do.hint) == ("Say/do · Sprint 1", "62%", "last closed sprint · fair")
    velocity = kpis["Velocity"]
    assert (velocity.caption, velocity.value) == ("Velocity · Sprint 1", "5.0")
    assert data.get("velocity").detail["through_sprint_name"] == "Sprint 1"


def test_before_any_close_the_headline_says_so(team, people):
    pm = people["pm"]
    row = sprint(team, pm, "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    item(team, pm, "A", 5, row, at(3, 1))
    services.sprint_start(actor=pm, sprint=row, at=at(3, 2, 9))
    scope_compute(ScopeType.TEAM, team.pk)
    kpis = {kpi.label: kpi for kpi in team_kpis(team_snapshots(team))}
    assert (kpis["Say/do"].caption, kpis["Say/do"].value, kpis["Say/do"].hint) == (
        "Say/do", "n/a", "no sprint closed yet",
    )  # fmt: skip
    assert (kpis["Velocity"].caption, kpis["Velocity"].value) == ("Velocity", "n/a")


def test_the_dashboard_names_the_sprint_of_each_headline(client, team, running, people):
    client.force_login(people["exec"])
    page = client.get(reverse("team-dashboard", args=[team.pk])).content.decode()
    kpis = page[page.index('data-testid="team-kpis"') : page.index('aria-label="Sprint charts"')]
    assert "Say/do · Sprint 1" in kpis and "Velocity · Sprint 1" in kpis
    assert "Sprint 2" not in kpis  # the running sprint is in the charts, not the headlines
