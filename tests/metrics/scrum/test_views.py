"""Scrum pages: permissions (outsiders 404, readers cannot post), form flows through the services, the dashboard
read from snapshots (CSV, empty states, sprint selector) and its query budget."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lifecycle.models import AuditRecord
from metrics.scrum.choices import SprintState, StateGroup
from metrics.scrum.models import MoodVote, RetroAction, Sprint, Team, WorkItem, WorkItemChange
from metrics.scrum.services import sprints as services
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.services import scope_compute
from tests.factories import make_project
from tests.metrics.scrum_builders import at, closed_sprint, done, item, make_team, sprint
from tests.unchanged import refused_checker

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def scrum_state() -> dict:
    models = (Team, Sprint, WorkItem, WorkItemChange, RetroAction, MoodVote, AuditRecord)
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models}


class Refused(Exception):
    pass


refused = refused_checker(scrum_state)


def post_refused(client, url, data, status):
    """POST and raise Refused when the answer has ``status`` (so refused_checker checks nothing changed)."""
    response = client.post(url, data)
    if response.status_code == status:
        raise Refused(response)
    return response


@pytest.fixture
def team(project, people):
    return make_team(people, project.portfolio, project)


@pytest.fixture
def history(team, people):
    pm = people["pm"]
    row = sprint(team, pm, "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    a = item(team, pm, "A", 5, row, at(3, 1))
    item(team, pm, "B", 3, row, at(3, 1))
    services.sprint_start(actor=pm, sprint=row, at=at(3, 2, 9))
    done(pm, a, at(3, 3))
    item(team, pm, "C", 2, row, at(3, 4))
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=row.pk), at=at(3, 13, 17))
    scope_compute(ScopeType.TEAM, team.pk)
    return Sprint.objects.get(pk=row.pk)


def as_user(client, user):
    client.force_login(user)
    return client


# --- reading ---------------------------------------------------------------------------------------------------


def test_the_team_list_shows_the_portfolios_teams_only(client, team, people):
    assert team.name in as_user(client, people["exec"]).get(reverse("team-list")).content.decode()
    client.logout()
    page = as_user(client, people["outsider"]).get(reverse("team-list")).content.decode()
    assert team.name not in page
    assert 'data-testid="team-list-empty"' in page


def test_the_dashboard_draws_every_chart_from_snapshots(client, team, history, people):
    page = as_user(client, people["exec"]).get(reverse("team-dashboard", args=[team.pk])).content.decode()
    for chart in ("burndown", "burnup", "velocity", "say-do"):
        assert f'id="chart-{chart}-figure"' in page, chart
    assert "Ideal line fixed at the initial commitment (8 points)" in page
    kpis = page[page.index('data-testid="team-kpis"') :]
    assert '<div class="fs-4 fw-semibold">5.0</div>' in kpis  # velocity: A (5) done in the one closed sprint
    assert "Say/do · Sprint 1" in kpis and "last closed sprint · fair" in kpis  # say/do 5 of 8 = 62.5 %
    assert 'data-empty-chart="forecast"' in page  # fewer than 10 sprints: says why
    assert "Needs at least 10 closed sprints; the team has 1." in page
    assert "Plan a sprint" not in page  # a reader sees no write action
    assert "{#" not in page and "{%" not in page  # no template comment or tag leaks into the page


def test_chart_data_exports_as_csv(client, team, history, people):
    response = as_user(client, people["pm"]).get(reverse("team-dashboard", args=[team.pk]), {"csv": "burndown"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "day,working_day,scope (points),completed (points),remaining (points),ideal (points),scope_change (points)"
    )
    assert lines[1] == "2026-03-02,True,8,0,8,7.2,0"
    assert len(lines) == 13
    assert client.get(reverse("team-dashboard", args=[team.pk]), {"csv": "nope"}).status_code == 404


def test_the_sprint_selector_and_its_htmx_partial(client, team, history, people):
    later = sprint(team, people["pm"], "Sprint 2", datetime.date(2026, 3, 16), datetime.date(2026, 3, 27))
    services.sprint_start(actor=people["pm"], sprint=later, at=at(3, 16, 9))
    scope_compute(ScopeType.TEAM, team.pk)
    url = reverse("team-dashboard", args=[team.pk])
    as_user(client, people["pm"])
    assert "Burndown · Sprint 2" in client.get(url).content.decode()  # the active sprint by default
    partial = client.get(url, {"sprint": history.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="sprint-charts")
    body = partial.content.decode()
    assert "Burndown · Sprint 1" in body
    assert "<html" not in body and 'id="chart-velocity"' not in body
    assert "<script" not in body and 'id="chart-burndown-figure"' in body


def test_empty_states_say_what_is_missing_and_link_to_the_form(client, team, people):
    page = as_user(client, people["pm"]).get(reverse("team-dashboard", args=[team.pk])).content.decode()
    assert "No sprint has started yet: plan one, add items to it and start it." in page
    assert f'href="{reverse("team-sprint-create", args=[team.pk])}"' in page
    assert 'data-testid="import-jira-link"' in page
    assert f'href="{reverse("import-csv", kwargs={"kind": "jira-issues", "scope_pk": team.pk})}"' in page


def test_the_project_delivery_fragment(client, team, history, project, people):
    as_user(client, people["exec"])
    body = client.get(reverse("project-delivery-fragment", args=[project.pk])).content.decode()
    assert "<html" not in body and "{#" not in body
    assert "<script" not in body  # htmx drops scripts from swapped content: figures ride in hidden elements
    assert f'id="chart-team-{team.pk}-velocity-figure"' in body
    assert f'id="chart-team-{team.pk}-burndown-figure"' in body
    assert f"{reverse('team-dashboard', args=[team.pk])}?csv=velocity" in body
    other = make_project(portfolio=project.portfolio, owner=people["pm"], sponsor=people["exec"])
    empty = client.get(reverse("project-delivery-fragment", args=[other.pk])).content.decode()
    assert 'data-testid="delivery-empty"' in empty


# --- permissions -----------------------------------------------------------------------------------------------


def test_outsiders_get_404_everywhere(client, team, history, project, people):
    as_user(client, people["outsider"])
    sprint_pk = history.pk
    gets = [
        reverse("team-dashboard", args=[team.pk]),
        reverse("team-items", args=[team.pk]),
        reverse("team-sprint-create", args=[team.pk]),
        reverse("team-mood-vote", args=[team.pk]),
        reverse("project-delivery-fragment", args=[project.pk]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    with refused(Refused):
        post_refused(client, reverse("team-sprint-reopen", args=[team.pk, sprint_pk]), {"reason": "x"}, 404)


@pytest.mark.parametrize("who", ["exec", "architect"])
def test_read_only_roles_cannot_post(client, team, history, people, who):
    as_user(client, people[who])
    posts = [
        (
            reverse("team-sprint-create", args=[team.pk]),
            {"name": "S9", "planned_start": "2026-12-01", "planned_end": "2026-12-10"},
        ),
        (reverse("team-sprint-reopen", args=[team.pk, history.pk]), {"reason": "because"}),
        (
            reverse("team-item-create", args=[team.pk]),
            {"key": "X-1", "title": "x", "item_type": "story", "state_group": "todo"},
        ),
        (reverse("team-retro-add", args=[team.pk]), {"sprint": history.pk, "text": "x"}),
        (reverse("team-mood-vote", args=[team.pk]), {"sprint": history.pk, "score": "3"}),
    ]
    for url, data in posts:
        with refused(Refused):
            post_refused(client, url, data, 403)
    assert client.get(reverse("team-item-create", args=[team.pk])).status_code == 403


# --- form flows ------------------------------------------------------------------------------------------------


def test_a_pm_creates_a_team(client, project, people):
    as_user(client, people["pm"])
    response = client.post(
        reverse("team-create"),
        {"portfolio": project.portfolio_id, "name": "Vision", "project": project.pk, "members": [people["ds"].pk]},
    )
    team = Team.objects.get(name="Vision")
    assert response.url == reverse("team-dashboard", args=[team.pk])
    assert (team.project, list(team.members.all())) == (project, [people["ds"]])
    again = client.post(reverse("team-create"), {"portfolio": project.portfolio_id, "name": "Vision"})
    assert again.status_code == 400
    assert "A team named &#x27;Vision&#x27; already exists." in again.content.decode()


def test_the_sprint_lifecycle_through_the_forms(client, team, people):
    as_user(client, people["ds"])  # a team member
    create = reverse("team-sprint-create", args=[team.pk])
    bad = client.post(create, {"name": "S1", "planned_start": "2026-11-10", "planned_end": "2026-11-01"})
    assert bad.status_code == 400
    assert "cannot end (2026-11-01) before it starts (2026-11-10)" in bad.content.decode()
    client.post(create, {"name": "S1", "planned_start": "2026-11-02", "planned_end": "2026-11-13"})
    row = Sprint.objects.get(team=team, name="S1")
    client.post(
        reverse("team-item-create", args=[team.pk]),
        {"key": "K-1", "title": "Train", "item_type": "story", "points": "3", "state_group": "todo", "sprint": row.pk},
    )
    bad_points = client.post(
        reverse("team-item-create", args=[team.pk]),
        {"key": "K-2", "title": "x", "item_type": "story", "points": "1.25", "state_group": "todo"},
    )
    assert bad_points.status_code == 400 and "at most one decimal" in bad_points.content.decode()
    client.post(reverse("team-sprint-start", args=[team.pk, row.pk]))
    key = WorkItem.objects.get(team=team, key="K-1")
    client.post(
        reverse("team-item-edit", args=[team.pk, key.pk]),
        {"title": "Train", "item_type": "story", "points": "5", "state_group": "done", "sprint": row.pk},
    )
    key.refresh_from_db()
    assert (key.points, key.state_group) == (5, StateGroup.DONE)
    client.post(reverse("team-sprint-close", args=[team.pk, row.pk]))
    row.refresh_from_db()
    assert row.state == SprintState.CLOSED and row.summary["completed"] == 5
    no_reason = client.post(reverse("team-sprint-reopen", args=[team.pk, row.pk]), {"reason": ""})
    assert no_reason.status_code == 400
    client.post(reverse("team-sprint-reopen", args=[team.pk, row.pk]), {"reason": "Missed a story"})
    row.refresh_from_db()
    assert (row.state, row.reopen_count) == (SprintState.ACTIVE, 1)
    refused_start = client.post(reverse("team-sprint-start", args=[team.pk, row.pk]), follow=True)
    assert "not planned" in refused_start.content.decode()


def test_retro_actions_and_mood_votes_through_the_forms(client, team, history, people):
    as_user(client, people["pm"])
    client.post(reverse("team-retro-add", args=[team.pk]), {"sprint": history.pk, "text": "Smaller stories"})
    action = RetroAction.objects.get()
    page = client.get(reverse("team-dashboard", args=[team.pk])).content.decode()
    assert "Smaller stories" in page
    client.post(reverse("team-retro-close", args=[team.pk, action.pk]))
    action.refresh_from_db()
    assert action.closed_at is not None
    client.post(reverse("team-mood-vote", args=[team.pk]), {"sprint": history.pk, "score": "4"})
    assert list(MoodVote.objects.values_list("person__username", "score")) == [("pm", 4)]
    bad = client.post(reverse("team-mood-vote", args=[team.pk]), {"sprint": history.pk, "score": "9"})
    assert bad.status_code == 400


def test_forms_that_need_a_started_sprint_say_so(client, team, people):
    page = as_user(client, people["pm"]).get(reverse("team-retro-add", args=[team.pk])).content.decode()
    assert 'data-testid="form-empty"' in page and "No sprint has started yet." in page


# --- query budget ----------------------------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_query_count_does_not_grow_with_sprints_and_items(client, team, people):
    as_user(client, people["pm"])
    url = reverse("team-dashboard", args=[team.pk])
    items = reverse("team-items", args=[team.pk])
    for number in range(1, 6):
        closed_sprint(team, people["pm"], number, number)
    scope_compute(ScopeType.TEAM, team.pk)
    client.get(url)  # warm the session
    small, small_items = _count(client, url), _count(client, items)
    for number in range(6, 51):
        closed_sprint(team, people["pm"], number, number % 7)
    scope_compute(ScopeType.TEAM, team.pk)
    assert Sprint.objects.filter(team=team).count() == 50 and WorkItem.objects.filter(team=team).count() == 50
    assert _count(client, url) == small
    assert _count(client, items) == small_items


def test_the_delivery_fragment_query_count_does_not_grow_with_teams(client, project, people):
    as_user(client, people["exec"])
    url = reverse("project-delivery-fragment", args=[project.pk])

    def add_team(number: int) -> None:
        team = make_team(people, project.portfolio, project, name=f"Team {number}")
        for sprint_number in range(1, 4):
            closed_sprint(team, people["pm"], sprint_number, sprint_number)
        scope_compute(ScopeType.TEAM, team.pk)

    add_team(1)
    client.get(url)
    one = _count(client, url)
    for number in range(2, 5):
        add_team(number)
    assert _count(client, url) == one
    assert client.get(url).content.decode().count('data-chart="team-') == 8  # velocity + burndown per team


def test_the_edit_form_shows_the_item_and_a_defect_links_to_what_it_escaped_from(client, team, history, people):
    as_user(client, people["pm"])
    story = WorkItem.objects.get(team=team, key="A")
    page = client.get(reverse("team-item-edit", args=[team.pk, story.pk])).content.decode()
    assert 'value="Item A"' in page and 'value="5"' in page
    unknown = client.post(
        reverse("team-item-create", args=[team.pk]),
        {"key": "BUG-1", "title": "Late scores", "item_type": "defect", "state_group": "todo", "found_in": "NOPE"},
    )
    assert unknown.status_code == 400 and "The team has no item NOPE." in unknown.content.decode()
    client.post(
        reverse("team-item-create", args=[team.pk]),
        {"key": "BUG-1", "title": "Late scores", "item_type": "defect", "state_group": "todo",
         "origin_sprint": history.pk, "found_in": "A"},
    )  # fmt: skip
    defect = WorkItem.objects.get(team=team, key="BUG-1")
    assert (defect.origin_sprint, defect.found_in_item) == (history, story)
    scope_compute(ScopeType.TEAM, team.pk)
    page = client.get(reverse("team-dashboard", args=[team.pk])).content.decode()
    assert 'id="chart-defects-figure"' in page
    assert "Open defects now: 1." in page
