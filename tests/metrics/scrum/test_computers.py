"""The team snapshot computer on hand-built sprint histories: exact values, frozen closed sprints, query budget."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.formulas.bands import FORECAST_MIN_SPRINTS
from metrics.scrum.choices import ItemType, StateGroup
from metrics.scrum.computers import team_compute
from metrics.scrum.models import Sprint
from metrics.scrum.selectors import sprint_period
from metrics.scrum.services import sprints as services
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from metrics.snapshots.services import scope_compute
from tests.metrics.scrum_builders import at, closed_sprint, done, item, make_team, sprint, update

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

# Inside the "Now" sprint below (2026-11-02 to 12-31): the sprint is active only while the clock says so.
NOW = datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC)


def compute(team) -> dict[tuple[str, str], MetricSnapshot]:
    scope_compute(ScopeType.TEAM, team.pk)
    rows = MetricSnapshot.objects.filter(scope_type=ScopeType.TEAM, scope_id=team.pk)
    return {(row.metric, row.period): row for row in rows}


@pytest.fixture
def team(project, people):
    return make_team(people, project.portfolio, project)


@pytest.fixture
def history(team, people):
    """Sprint 2026-03-02 (Mon) to 03-13 (Fri): 10 points committed, 4 added on 03-04, 2 cancelled on 03-05,
    A (5, committed) and D (4, added) done, B (3) left open; closed 03-13 17:00."""
    pm = people["pm"]
    row = sprint(team, pm, "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    a = item(team, pm, "A", 5, row, at(3, 1))
    item(team, pm, "B", 3, row, at(3, 1))
    c = item(team, pm, "C", 2, row, at(3, 1))
    services.sprint_start(actor=pm, sprint=row, at=at(3, 2, 9))
    done(pm, a, at(3, 3))
    d = item(team, pm, "D", 4, row, at(3, 4))
    update(pm, c, at(3, 5), state_group=StateGroup.CANCELLED)
    done(pm, d, at(3, 10))
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=row.pk), at=at(3, 13, 17))
    return Sprint.objects.get(pk=row.pk)


def test_a_closed_sprint_with_scope_added_and_an_item_cancelled(team, history):
    snapshots = compute(team)
    period = sprint_period(history.pk)
    assert snapshots[("commitment", period)].value == 10
    assert snapshots[("completed", period)].value == 9
    say_do = snapshots[("say_do", period)]
    assert say_do.value == 0.5  # only A (5) of the initial 10 was done; D was added later
    assert say_do.detail["band"] == "poor"
    scope = snapshots[("scope_change", period)]
    assert scope.value == 2
    assert scope.detail["scope_change"] == {"added": 4.0, "removed": 2.0, "reestimated": 0.0, "net": 2.0}
    assert snapshots[("logged_defects", period)].value == 0
    for metric in ("commitment", "completed", "say_do", "scope_change", "logged_defects", "burndown", "burnup"):
        row = snapshots[(metric, period)]
        assert row.frozen, metric
        assert (row.period_start, row.period_end) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    # Found-later figures keep moving after a close: not frozen.
    for metric in ("escaped_defects", "process_refinement", "motivation"):
        assert not snapshots[(metric, period)].frozen, metric


def test_burndown_has_working_days_an_ideal_fixed_at_the_commitment_and_scope_markers(team, history):
    burndown = compute(team)[("burndown", sprint_period(history.pk))]
    detail = burndown.detail
    days = {row["day"]: row for row in detail["days"]}
    assert list(days) == [(datetime.date(2026, 3, 2) + datetime.timedelta(days=n)).isoformat() for n in range(12)]
    assert detail["non_working_days"] == ["2026-03-07", "2026-03-08"]
    assert detail["initial_commitment"] == 10
    assert detail["scope_changes"] == [{"day": "2026-03-04", "points": 4.0}, {"day": "2026-03-05", "points": -2.0}]
    assert [days[d]["remaining"] for d in ("2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-13")] == [
        10,
        5,
        9,
        7,
        3,
    ]
    # Ideal: 10 working days, declining from 10 on working days only, whatever the scope did.
    assert days["2026-03-02"]["ideal"] == 9.0
    assert days["2026-03-06"]["ideal"] == 5.0
    assert days["2026-03-07"]["ideal"] == days["2026-03-08"]["ideal"] == 5.0
    assert days["2026-03-13"]["ideal"] == 0.0
    assert burndown.value == 3
    burnup = compute(team)[("burnup", sprint_period(history.pk))]
    assert burnup.value == 12  # final scope: A 5 + B 3 + D 4
    assert [row["completed"] for row in burnup.detail["days"]][-1] == 9


def test_a_reopened_sprint_keeps_its_frozen_snapshots(team, history, people):
    first = compute(team)
    period = sprint_period(history.pk)
    services.sprint_reopen(actor=people["pm"], sprint=history, reason="Forgot to move B", at=at(3, 14))
    b = history.work_items.get(key="B")
    done(people["pm"], b, at(3, 15))
    item(team, people["pm"], "E", 8, Sprint.objects.get(pk=history.pk), at(3, 15, 11))
    again = compute(team)
    for metric in ("commitment", "completed", "say_do", "scope_change", "burndown", "burnup"):
        assert again[(metric, period)].value == first[(metric, period)].value, metric
        assert again[(metric, period)].detail == first[(metric, period)].detail, metric
        assert again[(metric, period)].computed_at == first[(metric, period)].computed_at, metric
        assert again[(metric, period)].frozen


def test_an_empty_sprint_and_a_planned_sprint(team, people):
    pm = people["pm"]
    empty = sprint(team, pm, "Empty", datetime.date(2026, 3, 2), datetime.date(2026, 3, 6))
    services.sprint_start(actor=pm, sprint=empty, at=at(3, 2, 9))
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=empty.pk), at=at(3, 6, 17))
    planned = sprint(team, pm, "Later", datetime.date(2026, 12, 7), datetime.date(2026, 12, 18))
    snapshots = compute(team)
    period = sprint_period(empty.pk)
    assert snapshots[("commitment", period)].value == 0
    assert snapshots[("completed", period)].value == 0
    assert snapshots[("say_do", period)].value is None  # no commitment: no ratio
    assert snapshots[("burndown", period)].value == 0
    assert snapshots[("velocity", "")].value == 0  # an empty sprint is a sprint
    later = sprint_period(planned.pk)
    assert snapshots[("commitment", later)].value is None
    assert snapshots[("burndown", later)].detail["reason"] == "The sprint has not started."
    assert not snapshots[("commitment", later)].frozen


@time_machine.travel(NOW, tick=False)
def test_an_active_sprint_is_computed_as_of_now_and_not_frozen(team, people):
    pm = people["pm"]
    row = sprint(team, pm, "Now", datetime.date(2026, 11, 2), datetime.date(2026, 12, 31))
    story = item(team, pm, "N-1", 3, row, at(11, 1))
    services.sprint_start(actor=pm, sprint=row, at=at(11, 2, 9))
    done(pm, story, at(11, 3))
    snapshots = compute(team)
    period = sprint_period(row.pk)
    assert snapshots[("completed", period)].value == 3
    assert not snapshots[("completed", period)].frozen
    days = snapshots[("burndown", period)].detail["days"]
    assert days[-1]["remaining"] is None and days[-1]["ideal"] == 0.0  # the future: only the ideal


def test_team_velocity_consistency_and_forecast_needs_ten_sprints(team, people):
    for number, points in enumerate([5, 8, 0], start=1):
        closed_sprint(team, people["pm"], number, points)
    item(team, people["pm"], "BACKLOG-1", 13, None, at(3, 1))
    snapshots = compute(team)
    assert snapshots[("velocity", "")].value == pytest.approx(13 / 3)
    series = snapshots[("rolling_velocity", "")].detail["series"]
    assert [row["completed"] for row in series] == [5, 8, 0]
    assert [row["rolling"] for row in series] == pytest.approx([5, 6.5, 13 / 3])
    assert snapshots[("velocity_consistency", "")].value == pytest.approx(4.0414518843 / (13 / 3))
    forecast = snapshots[("delivery_forecast", "")]
    assert forecast.value is None
    assert forecast.detail["reason"] == f"Needs at least {FORECAST_MIN_SPRINTS} closed sprints; the team has 3."
    assert forecast.detail["remaining_points"] == 13


def test_forecast_with_ten_sprints_gives_p50_p85_p95(team, people):
    for number in range(1, 11):
        closed_sprint(team, people["pm"], number, 5)
    item(team, people["pm"], "BACKLOG-1", 20, None, at(6, 1))
    forecast = compute(team)[("delivery_forecast", "")]
    # Every sprint delivered 5: 20 points take exactly 4 sprints at every confidence.
    assert forecast.value == 4
    assert (forecast.detail["p50_sprints"], forecast.detail["p85_sprints"], forecast.detail["p95_sprints"]) == (4, 4, 4)
    start = datetime.date.fromisoformat(forecast.detail["from_date"])
    assert forecast.detail["sprint_length_days"] == 14  # the cadence: a sprint starts every other Monday
    assert forecast.detail["p85_date"] == (start + datetime.timedelta(days=4 * 14)).isoformat()


def test_defects_escaped_logged_and_open(team, history, people):
    pm = people["pm"]
    a = history.work_items.get(key="A")
    # Found after A was done and the sprint released: escaped; linked to the sprint explicitly.
    item(team, pm, "BUG-1", 1, None, at(3, 20), item_type=ItemType.DEFECT, origin_sprint=history, found_in_item=a)
    snapshots = compute(team)
    escaped = snapshots[("escaped_defects", sprint_period(history.pk))]
    assert escaped.value == 1
    assert escaped.detail["escape_rate"] == 1.0
    assert snapshots[("open_defects", "")].value == 1
    assert snapshots[("escape_rate", "")].value == 1.0


def test_retro_actions_and_mood(team, history, people):
    pm, ds = people["pm"], people["ds"]
    kept = services.retro_action_add(actor=pm, sprint=history, text="Smaller stories", at=at(3, 13, 18))
    services.retro_action_add(actor=pm, sprint=history, text="Pair on reviews", at=at(3, 13, 18))
    services.retro_action_close(actor=pm, action=kept, at=at(3, 20))
    services.mood_vote_record(actor=pm, sprint=history, score=4, at=at(3, 13, 18))
    services.mood_vote_record(actor=ds, sprint=history, score=2, at=at(3, 13, 18))
    following = sprint(team, pm, "Sprint 2", datetime.date(2026, 3, 16), datetime.date(2026, 3, 27))
    services.sprint_start(actor=pm, sprint=following, at=at(3, 16, 9))
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=following.pk), at=at(3, 27, 17))
    snapshots = compute(team)
    period = sprint_period(history.pk)
    refinement = snapshots[("process_refinement", period)]
    assert refinement.value == 0.5
    assert refinement.detail["next_retro_on"] == "2026-03-27"
    mood = snapshots[("motivation", period)]
    assert mood.value == 3
    assert mood.detail["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0}


def test_a_gone_team_returns_none():
    assert team_compute(10**9) is None


def _sprints_and_items(team, people, count: int) -> None:
    for number in range(1, count + 1):
        closed_sprint(team, people["pm"], number, number % 4)


@pytest.mark.parametrize("count", [5, 50])
def test_the_computer_runs_a_fixed_number_of_queries(team, people, count, settings):
    _sprints_and_items(team, people, count)
    with CaptureQueriesContext(connection) as queries:
        result = team_compute(team.pk)
    assert result is not None
    assert len(result.values) == count * 10 + 6
    assert len(queries) == 7


def test_snapshots_freeze_when_the_sprint_closes_and_read_its_frozen_summary(team, people):
    pm = people["pm"]
    row = sprint(team, pm, "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    story = item(team, pm, "A", 5, row, at(3, 1))
    services.sprint_start(actor=pm, sprint=row, at=at(3, 2, 9))
    period = sprint_period(row.pk)
    assert not compute(team)[("commitment", period)].frozen  # active: recomputed on every change
    done(pm, story, at(3, 3))
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=row.pk), at=at(3, 13, 17))
    # The frozen summary is the source of the figures, not a recomputation from the log.
    Sprint.objects.filter(pk=row.pk).update(summary={**Sprint.objects.get(pk=row.pk).summary, "completed": 4.0})
    snapshots = compute(team)
    assert snapshots[("completed", period)].value == 4.0
    assert snapshots[("completed", period)].frozen
    assert snapshots[("velocity", "")].value == 4.0


def test_a_sprint_started_after_its_planned_end_has_no_chart_but_a_reason(team, people):
    pm = people["pm"]
    late = sprint(team, pm, "Late", datetime.date(2026, 3, 2), datetime.date(2026, 3, 6))
    item(team, pm, "L-1", 2, late, at(3, 1))
    services.sprint_start(actor=pm, sprint=late, at=at(3, 10, 9))
    snapshots = compute(team)
    burndown = snapshots[("burndown", sprint_period(late.pk))]
    assert burndown.value is None and burndown.detail["days"] == []
    assert "after its planned end (2026-03-06)" in burndown.detail["reason"]
    assert snapshots[("commitment", sprint_period(late.pk))].value == 2


def test_a_team_without_sprints_or_items(team):
    snapshots = compute(team)
    assert {metric for metric, _period in snapshots} == {
        "velocity", "rolling_velocity", "velocity_consistency", "delivery_forecast", "open_defects", "escape_rate",
    }  # fmt: skip
    assert snapshots[("velocity", "")].value is None
    assert snapshots[("open_defects", "")].value == 0
    assert "the team has 0" in snapshots[("delivery_forecast", "")].detail["reason"]


def test_burndown_days_are_the_portal_s_local_days(team, people, settings):
    """In Los Angeles, a story done at 20:00 on Tuesday 3 March is done on the 3rd, although it is the 4th in UTC;
    a sprint started at 17:00 on Monday 2 March local starts on the 2nd (found by the scrum oracle)."""
    settings.TIME_ZONE = "America/Los_Angeles"
    pm, zone = people["pm"], ZoneInfo("America/Los_Angeles")
    row = sprint(team, pm, "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    a = item(team, pm, "A", 5, row, datetime.datetime(2026, 3, 1, 10, tzinfo=zone))
    item(team, pm, "B", 3, row, datetime.datetime(2026, 3, 1, 10, tzinfo=zone))
    services.sprint_start(actor=pm, sprint=row, at=datetime.datetime(2026, 3, 2, 17, tzinfo=zone))
    done(pm, a, datetime.datetime(2026, 3, 3, 20, tzinfo=zone))
    closing = datetime.datetime(2026, 3, 13, 17, tzinfo=zone)
    services.sprint_close(actor=pm, sprint=Sprint.objects.get(pk=row.pk), at=closing)
    days = {day["day"]: day for day in compute(team)[("burndown", sprint_period(row.pk))].detail["days"]}
    assert min(days) == "2026-03-02"
    assert (days["2026-03-02"]["remaining"], days["2026-03-03"]["remaining"]) == (8.0, 3.0)
