"""Adapters: rows built through the services -> the formulas' dataclasses, and the formulas on them give the
hand-computed figures of a small realistic sprint; each adapter's query count does not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.formulas import scrum as formulas
from metrics.formulas.forecast import delivery_forecast
from metrics.formulas.sprint_charts import burndown, burnup
from metrics.scrum import adapters
from metrics.scrum.services import sprints as services

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
UTC = datetime.UTC
S, D, T = formulas.ItemType.STORY, formulas.ItemType.DEFECT, formulas.ItemType.TASK
TODO, DOING, DONE, CANCELLED = (
    formulas.StateGroup.TODO,
    formulas.StateGroup.IN_PROGRESS,
    formulas.StateGroup.DONE,
    formulas.StateGroup.CANCELLED,
)


def at(day: int, hour: int = 10, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def team(project, people):
    return services.team_create(
        actor=people["pm"], portfolio=project.portfolio, name="Churn squad", project=project,
        members=[people["ds"], people["architect"]],
    )  # fmt: skip


@pytest.fixture
def story(team, people):
    """Sprint 1 (Mon 2 - Fri 13 March 2026), built through the services like a team would:

    planned before the start: A 5, B 3, C task 2, D defect 1, E 8 -> commitment 19.
    A in progress on 3rd, done on 4th; B re-estimated 3 -> 5 on 5th; F 3 added on 6th; E cancelled on 9th;
    B done on 10th, C on 11th, F on 12th; D still in progress at the close (13th, 17:00).
    Then sprint 2, where defect G is found on 20th in A (resolved on 4th) with origin sprint 1 (it escaped).
    """
    ds, arch = people["ds"], people["architect"]
    sprint = services.sprint_create(
        actor=ds, team=team, name="Sprint 1", planned_start=datetime.date(2026, 3, 2),
        planned_end=datetime.date(2026, 3, 13),
    )  # fmt: skip
    items = {}
    for key, points, kind in [("A", 5, S), ("B", 3, S), ("C", 2, T), ("D", 1, D), ("E", 8, S)]:
        items[key] = services.work_item_create(
            actor=ds, team=team, key=key, title=key, item_type=kind, points=points, state_group="todo",
            sprint=sprint, at=at(1),
        )  # fmt: skip
    update = services.work_item_update
    services.sprint_start(actor=ds, sprint=sprint, at=at(2, 9))
    update(actor=ds, item=items["A"], changes={"state_group": "in_progress"}, at=at(3))
    update(actor=ds, item=items["A"], changes={"state_group": "done"}, at=at(4, 15))
    update(actor=arch, item=items["B"], changes={"points": 5}, at=at(5, 11))
    items["F"] = services.work_item_create(
        actor=arch, team=team, key="F", title="F", points=3, state_group="todo", sprint=sprint, at=at(6, 9)
    )
    update(actor=ds, item=items["E"], changes={"state_group": "cancelled"}, at=at(9))
    update(actor=ds, item=items["B"], changes={"state_group": "done"}, at=at(10))
    update(actor=ds, item=items["D"], changes={"state_group": "in_progress"}, at=at(10, 11))
    update(actor=ds, item=items["C"], changes={"state_group": "done"}, at=at(11))
    update(actor=ds, item=items["F"], changes={"state_group": "done"}, at=at(12, 12))
    services.sprint_close(actor=ds, sprint=sprint, at=at(13, 17))
    services.mood_vote_record(actor=ds, sprint=sprint, score=4, at=at(13, 17))
    services.mood_vote_record(actor=arch, sprint=sprint, score=2, at=at(13, 17))
    kept = services.retro_action_add(actor=ds, sprint=sprint, text="Split big stories", at=at(13, 18))
    services.retro_action_add(actor=ds, sprint=sprint, text="Automate the release", at=at(13, 18))

    second = services.sprint_create(
        actor=ds, team=team, name="Sprint 2", planned_start=datetime.date(2026, 3, 16),
        planned_end=datetime.date(2026, 3, 27),
    )  # fmt: skip
    update(actor=ds, item=items["D"], changes={"sprint": second}, at=at(16, 8))
    services.sprint_start(actor=ds, sprint=second, at=at(16, 9))
    items["G"] = services.work_item_create(
        actor=ds, team=team, key="G", title="Churn score wrong for new users", item_type="defect", points=2,
        state_group="todo", sprint=second, origin_sprint=sprint, found_in_item=items["A"], at=at(20),
    )  # fmt: skip
    services.retro_action_close(actor=ds, action=kept, at=at(20, 12))
    update(actor=ds, item=items["D"], changes={"state_group": "done"}, at=at(24))
    services.sprint_close(actor=ds, sprint=second, at=at(27, 17))
    sprint.refresh_from_db()
    second.refresh_from_db()
    return {"sprint": sprint, "second": second, "items": items}


def test_sprint_history_is_the_formula_sprints(team, story):
    first, second = story["sprint"], story["second"]
    assert adapters.sprint_history(team) == [
        formulas.Sprint(
            key=str(first.pk),
            planned_start=datetime.date(2026, 3, 2),
            planned_end=datetime.date(2026, 3, 13),
            started_at=at(2, 9),
            closed_at=at(13, 17),
        ),
        formulas.Sprint(
            key=str(second.pk),
            planned_start=datetime.date(2026, 3, 16),
            planned_end=datetime.date(2026, 3, 27),
            started_at=at(16, 9),
            closed_at=at(27, 17),
        ),
    ]


def test_work_item_changes_are_the_whole_log_of_the_sprints_items_in_order(story):
    first, second = str(story["sprint"].pk), str(story["second"].pk)
    changes = adapters.work_item_changes(story["sprint"])
    assert all(type(change) is formulas.WorkItemChange for change in changes)
    assert [change.at for change in changes] == sorted(change.at for change in changes)
    assert {change.item for change in changes} == {"A", "B", "C", "D", "E", "F"}  # G was never in sprint 1
    assert [c for c in changes if c.item == "B"] == [
        formulas.WorkItemChange("B", at(1), first, TODO, Decimal("3.0"), S),
        formulas.WorkItemChange("B", at(5, 11), first, TODO, Decimal("5.0"), S),
        formulas.WorkItemChange("B", at(10), first, DONE, Decimal("5.0"), S),
    ]
    # D's move to sprint 2 names sprint 2, and is still part of sprint 1's input (it shows D leaving).
    assert [c for c in changes if c.item == "D"] == [
        formulas.WorkItemChange("D", at(1), first, TODO, Decimal("1.0"), D),
        formulas.WorkItemChange("D", at(10, 11), first, DOING, Decimal("1.0"), D),
        formulas.WorkItemChange("D", at(16, 8), second, DOING, Decimal("1.0"), D),
        formulas.WorkItemChange("D", at(24), second, DONE, Decimal("1.0"), D),
    ]
    assert len(adapters.team_work_item_changes(story["sprint"].team)) == len(changes) + 1  # + G's creation


def test_the_frozen_summary_has_the_hand_computed_figures(story):
    sprint = story["sprint"]
    expected = formulas.SprintSummary(
        sprint=str(sprint.pk),
        commitment=19.0,  # A5 + B3 + C2 + D1 + E8 at the start
        completed=15.0,  # A5 + B5 (re-estimated) + C2 + F3
        say_do=10 / 19,  # initial points of the initial items done at the end: A5 + B3 + C2
        scope_change=formulas.ScopeChange(added=3.0, removed=8.0, reestimated=2.0, net=-3.0),  # F; E; B 3 -> 5
        logged_defects=1,  # D, open at the close
    )
    assert adapters.frozen_summary(sprint) == expected
    assert formulas.sprint_summary(adapters.work_item_changes(sprint), adapters.as_formula_sprint(sprint)) == expected
    assert formulas.say_do_band(expected.say_do) == "poor"


def test_burndown_and_burnup_from_the_adapters(story):
    sprint = story["sprint"]
    days = {
        row.day.day: row for row in burndown(adapters.work_item_changes(sprint), adapters.as_formula_sprint(sprint))
    }
    assert list(days) == list(range(2, 14))
    # Monday 2nd: 19 in scope, nothing done; the ideal line drops by 19/10 per working day.
    assert (days[2].scope, days[2].remaining, days[2].ideal) == (19.0, 19.0, pytest.approx(17.1))
    # Friday 6th: + B's re-estimate (5th) and F (6th): 24 in scope, A done -> 19 remaining; F added that day.
    assert (days[6].scope, days[6].completed, days[6].remaining, days[6].scope_change) == (24.0, 5.0, 19.0, 3.0)
    # The weekend carries no ideal drop and no change; Monday 9th: E cancelled (-8).
    assert (days[7].working_day, days[8].ideal, days[8].scope_change, days[9].ideal) == (
        False,
        9.5,
        0.0,
        pytest.approx(7.6),
    )
    assert (days[9].scope, days[9].remaining, days[9].scope_change) == (16.0, 11.0, -8.0)
    # Friday 13th (close): 16 in scope, 15 done, D's point remains; the ideal reaches 0.
    assert (days[13].scope, days[13].completed, days[13].remaining, days[13].ideal) == (16.0, 15.0, 1.0, 0.0)
    up = burnup(adapters.work_item_changes(sprint), adapters.as_formula_sprint(sprint))
    assert [(row.day.day, row.completed) for row in up if row.day.day in (4, 10, 12)] == [
        (4, 5.0),
        (10, 10.0),
        (12, 15.0),
    ]


def test_velocity_quality_process_and_mood_inputs(team, story):
    first, second = story["sprint"], story["second"]
    # Sprint 2: D (1, done) and G (2, open): completed 1.
    assert adapters.completed_per_sprint(team) == [15.0, 1.0]
    assert formulas.velocity(adapters.completed_per_sprint(team)) == 8.0

    defects = adapters.sprint_defects(first)
    assert defects == [
        formulas.Defect(key="D", found_at=at(1), delivered_at=at(13, 17)),  # logged in sprint 1, found before release
        formulas.Defect(key="G", found_at=at(20), delivered_at=at(4, 15)),  # found after A was done
    ]
    assert (formulas.escaped_defects(defects), formulas.escape_rate(defects)) == (1, 0.5)

    assert adapters.retro_actions(first) == [
        formulas.RetroAction(raised_on=datetime.date(2026, 3, 13), closed_on=datetime.date(2026, 3, 20)),
        formulas.RetroAction(raised_on=datetime.date(2026, 3, 13), closed_on=None),
    ]
    assert adapters.next_retro_on(first) == datetime.date(2026, 3, 27)
    assert adapters.next_retro_on(second) is None
    assert formulas.process_refinement(adapters.retro_actions(first), adapters.next_retro_on(first)) == 0.5

    assert sorted(adapters.mood_votes(first)) == [2, 4]
    assert formulas.motivation(adapters.mood_votes(first)) == formulas.Motivation(
        2, 3.0, {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    )

    assert (adapters.remaining_backlog_points(team), adapters.open_defect_count(team)) == (2.0, 1)  # G
    assert delivery_forecast(adapters.completed_per_sprint(team), 2.0, datetime.date(2026, 3, 30)) is None  # < 10


def test_a_reopened_sprint_reads_as_of_its_first_close(story, people):
    sprint = story["sprint"]
    frozen = adapters.frozen_summary(sprint)
    services.sprint_reopen(actor=people["pm"], sprint=sprint, reason="Late review", at=at(28, 9))
    services.work_item_update(actor=people["ds"], item=story["items"]["A"], changes={"points": 8}, at=at(28, 10))
    services.sprint_close(actor=people["pm"], sprint=sprint, at=at(28, 11))
    sprint.refresh_from_db()
    assert adapters.as_formula_sprint(sprint).closed_at == at(13, 17)
    assert adapters.frozen_summary(sprint) == frozen
    assert formulas.sprint_summary(adapters.work_item_changes(sprint), adapters.as_formula_sprint(sprint)) == frozen


def _team_with_items(portfolio, people, name: str, count: int):
    ds = people["ds"]
    team = services.team_create(actor=people["pm"], portfolio=portfolio, name=name, members=[ds])
    sprint = services.sprint_create(
        actor=ds, team=team, name="S1", planned_start=datetime.date(2026, 3, 2), planned_end=datetime.date(2026, 3, 13)
    )
    for number in range(count):
        item = services.work_item_create(
            actor=ds, team=team, key=f"K-{number}", title="t", item_type="defect" if number % 3 == 0 else "story",
            points=number % 5, state_group="todo", sprint=sprint, at=at(1),
        )  # fmt: skip
        services.work_item_update(actor=ds, item=item, changes={"state_group": "done"}, at=at(3))
    services.sprint_start(actor=ds, sprint=sprint, at=at(2))
    services.sprint_close(actor=ds, sprint=sprint, at=at(13))
    services.retro_action_add(actor=ds, sprint=sprint, text="a", at=at(13, 12))
    services.mood_vote_record(actor=ds, sprint=sprint, score=3, at=at(13, 12))
    sprint.refresh_from_db()
    return team, sprint


def _queries_of_every_adapter(team, sprint) -> list[int]:
    calls = [
        lambda: adapters.sprint_history(team),
        lambda: adapters.work_item_changes(sprint),
        lambda: adapters.team_work_item_changes(team),
        lambda: adapters.completed_per_sprint(team),
        lambda: adapters.retro_actions(sprint),
        lambda: adapters.next_retro_on(sprint),
        lambda: adapters.sprint_defects(sprint),
        lambda: adapters.mood_votes(sprint),
        lambda: adapters.remaining_backlog_points(team),
        lambda: adapters.open_defect_count(team),
    ]
    counts = []
    for call in calls:
        with CaptureQueriesContext(connection) as context:
            result = call()
        assert result is not None or call is calls[5]
        counts.append(len(context.captured_queries))
    return counts


def test_adapters_run_the_same_queries_for_5_and_for_50_items(portfolio, people):
    small = _team_with_items(portfolio, people, "Small", 5)
    large = _team_with_items(portfolio, people, "Large", 50)
    assert len(adapters.work_item_changes(large[1])) == 100
    assert _queries_of_every_adapter(*small) == _queries_of_every_adapter(*large) == [1] * 10


def test_the_model_choices_are_the_formula_enums():
    from metrics.scrum import choices

    assert choices.StateGroup.values == [member.value for member in formulas.StateGroup]
    assert choices.ItemType.values == [member.value for member in formulas.ItemType]
