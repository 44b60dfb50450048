"""CSV imports of the scrum area, through ``metrics.imports.import_csv``: history rebuilt from a Jira export,
upserts by key, and malformed files that change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from lifecycle.models import AuditRecord
from metrics.imports import IMPORT_SPECS, import_csv
from metrics.scrum.choices import ItemType, SprintState, StateGroup
from metrics.scrum.imports.common import parse_moment
from metrics.scrum.models import MoodVote, RetroAction, Sprint, SprintReopening, Team, WorkItem, WorkItemChange
from metrics.scrum.services import sprints as services
from portal.exceptions import NotAllowed
from tests.metrics.scrum_builders import make_team, sprint
from tests.unchanged import refused_checker

pytestmark = [pytest.mark.django_db, pytest.mark.clock]
UTC = datetime.UTC

HEADER = "key,type,status,story points,sprint,created,resolved,summary,sprint start,sprint end\n"
JIRA = HEADER + (
    "ML-1,Story,Done,5,Sprint 1,2026-02-27 10:00,2026-03-04 15:00,Feature A,2026-03-02,2026-03-13\n"
    "ML-2,Story,In Progress,3,Sprint 1,2026-02-27 10:00,,Feature B,,\n"
    "ML-3,Bug,Resolved,2,Sprint 1,2026-03-05 09:00,2026-03-10 12:00,Bug C,,\n"
    "ML-4,Task,Won't Do,1,Sprint 1,2026-02-27 10:00,2026-03-06 10:00,Task D,,\n"
    "ML-5,Story,To Do,8,,2026-03-01 10:00,,Backlog E,,\n"
    "ML-6,Story,Closed,3,Sprint 2,2026-03-12 10:00,2026-03-18 10:00,,2026-03-16,2026-03-27\n"
)


def scrum_rows() -> dict:
    models = (Team, Sprint, SprintReopening, WorkItem, WorkItemChange, RetroAction, MoodVote, AuditRecord)
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models}


class ImportRefused(Exception):
    """Raised by ``run`` when an import did not commit, so refused_checker can check that nothing changed."""


def run(kind: str, team, actor, data, skip_invalid: bool = False):
    result = import_csv(IMPORT_SPECS[kind], actor=actor, scope=team, data=data, commit=True, skip_invalid=skip_invalid)
    if not result.committed:
        raise ImportRefused(result)
    return result


refused = refused_checker(scrum_rows)


@pytest.fixture
def team(project, people):
    return make_team(people, project.portfolio, project)


def test_the_specs_are_registered_with_team_scope():
    for kind in ("jira-issues", "work-items", "retro-actions", "mood-votes"):
        assert IMPORT_SPECS[kind].scope_model is Team


def test_jira_dates_are_read_in_iso_and_jira_formats():
    assert parse_moment("2026-11-02") == datetime.datetime(2026, 11, 2, tzinfo=UTC)
    assert parse_moment("2026-11-02", end_of_day=True) == datetime.datetime(2026, 11, 2, 23, 59, 59, 999999, tzinfo=UTC)
    assert parse_moment("02/Nov/26 9:15 PM") == datetime.datetime(2026, 11, 2, 21, 15, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_moment("31/31/2026")


def test_a_jira_export_rebuilds_sprint_history(team, people):
    result = run("jira-issues", team, people["pm"], JIRA)
    assert (result.total, result.imported, result.errors) == (6, 6, [])
    first, second = Sprint.objects.filter(team=team).order_by("planned_start")
    assert (first.name, first.planned_start, first.planned_end) == (
        "Sprint 1",
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 13),
    )
    assert first.state == second.state == SprintState.CLOSED
    assert first.started_at == datetime.datetime(2026, 3, 2, tzinfo=UTC)
    assert first.completed_at == datetime.datetime(2026, 3, 13, 23, 59, 59, 999999, tzinfo=UTC)
    # Committed: ML-1, ML-2 and ML-4 (cancelled later); ML-3 added on 03-05; done: ML-1 and ML-3.
    assert first.summary["commitment"] == 9
    assert first.summary["completed"] == 7
    assert first.summary["say_do"] == pytest.approx(5 / 9)
    assert first.summary["scope_change"] == {"added": 2.0, "removed": 1.0, "reestimated": 0.0, "net": 1.0}
    assert (second.summary["commitment"], second.summary["completed"]) == (3, 3)
    done = WorkItem.objects.get(team=team, key="ML-1")
    assert (done.state_group, done.points, done.title) == (StateGroup.DONE, Decimal("5.0"), "Feature A")
    assert done.resolved_at == datetime.datetime(2026, 3, 4, 15, tzinfo=UTC)
    # Open at 'created', done at 'resolved': the burndown sees it burn down when it was resolved.
    assert list(done.changes.values_list("at", "state_group")) == [
        (datetime.datetime(2026, 2, 27, 10, tzinfo=UTC), StateGroup.TODO),
        (datetime.datetime(2026, 3, 4, 15, tzinfo=UTC), StateGroup.DONE),
    ]
    assert WorkItem.objects.get(key="ML-3").item_type == ItemType.DEFECT
    assert WorkItem.objects.get(key="ML-4").state_group == StateGroup.CANCELLED
    backlog = WorkItem.objects.get(key="ML-5")
    assert (backlog.sprint, backlog.state_group) == (None, StateGroup.TODO)


def test_importing_the_same_file_twice_does_not_duplicate(team, people):
    run("jira-issues", team, people["pm"], JIRA)
    before = scrum_rows()
    result = run("jira-issues", team, people["pm"], JIRA)
    assert result.imported == 6
    assert scrum_rows() == before


def test_a_later_export_updates_items_by_key(team, people):
    run("jira-issues", team, people["pm"], JIRA)
    later = HEADER + "ML-5,Story,In Progress,13,,2026-03-01 10:00,,Backlog E,,\n"
    run("jira-issues", team, people["pm"], later)
    item = WorkItem.objects.get(team=team, key="ML-5")
    assert (item.state_group, item.points) == (StateGroup.IN_PROGRESS, Decimal("13.0"))
    assert WorkItem.objects.filter(team=team).count() == 6
    assert item.changes.count() == 2


def test_an_edit_dated_inside_a_frozen_sprint_is_refused(team, people):
    run("jira-issues", team, people["pm"], JIRA)
    late = HEADER + "ML-2,Story,Done,3,Sprint 1,2026-02-27 10:00,2026-03-12 10:00,Feature B,,\n"
    with refused(ImportRefused) as caught:
        run("jira-issues", team, people["pm"], late)
    (error,) = caught.value.args[0].errors
    assert error.line == 2
    assert "frozen" in error.message


BAD_FILES = {
    "bad points": (HEADER + "ML-1,Story,To Do,abc,,2026-03-01,,,,\n", 2, "story points"),
    "unknown type": (HEADER + "ML-1,Feature request,To Do,1,,2026-03-01,,,,\n", 2, "type"),
    "unknown status": (HEADER + "ML-1,Story,Parked,1,,2026-03-01,,,,\n", 2, "status"),
    "bad date": (HEADER + "ML-1,Story,To Do,1,,31/31/2026,,,,\n", 2, "created"),
    "resolved before created": (HEADER + "ML-1,Story,Done,1,,2026-03-02,2026-03-01,,,\n", 2, "resolved"),
    "done without resolved": (HEADER + "ML-1,Story,Done,1,,2026-03-01,,,,\n", 2, "resolved"),
    "future": (HEADER + "ML-1,Story,To Do,1,,2099-03-01,,,,\n", 2, "created"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_malformed_row_changes_nothing_and_names_its_line(team, people, case):
    good = "ML-0,Story,To Do,2,,2026-03-01,,,,\n"
    data, _line, column = BAD_FILES[case]
    data = HEADER + good + data.removeprefix(HEADER)
    with refused(ImportRefused) as caught:
        run("jira-issues", team, people["pm"], data)
    result = caught.value.args[0]
    assert [error.line for error in result.errors] == [3]
    assert column in result.errors[0].fields


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("key,type,story points,sprint,created\nML-1,Story,1,,2026-03-01\n", "Missing column(s): status"),
        (HEADER + "ML-1,Story,To Do,1,Sprint 9,2026-03-01,,,,\n", "sprint(s) the team does not have yet: Sprint 9"),
        ((HEADER + "ML-1,Story,To Do,1,,2026-03-01,,Café,,\n").encode("latin-1"), "not UTF-8"),
    ],
    ids=["missing column", "new sprint without dates", "not utf-8"],
)
def test_an_unreadable_file_changes_nothing(team, people, data, message):
    with refused(ImportRefused) as caught:
        run("jira-issues", team, people["pm"], data)
    assert message in caught.value.args[0].file_error


def test_skip_invalid_imports_the_good_rows_only(team, people):
    data = (
        HEADER
        + "ML-1,Story,To Do,2,,2026-03-01,,,,\nML-2,Story,To Do,x,,2026-03-01,,,,\nML-3,Task,Open,1,,2026-03-02,,,,\n"
    )
    result = run("jira-issues", team, people["pm"], data, skip_invalid=True)
    assert (result.imported, result.skipped, [e.line for e in result.errors]) == (2, 1, [3])
    assert sorted(WorkItem.objects.filter(team=team).values_list("key", flat=True)) == ["ML-1", "ML-3"]


def test_a_preview_writes_nothing(team, people):
    before = scrum_rows()
    result = import_csv(IMPORT_SPECS["jira-issues"], actor=people["pm"], scope=team, data=JIRA, commit=False)
    assert (result.total, result.errors, result.committed) == (6, [], False)
    assert scrum_rows() == before


@pytest.mark.parametrize("who", ["exec", "outsider"])
def test_read_only_people_cannot_import(team, people, who):
    with refused(NotAllowed):
        import_csv(IMPORT_SPECS["jira-issues"], actor=people[who], scope=team, data=JIRA, commit=True)


def test_native_work_items_create_then_update_by_key(team, people):
    sprint(team, people["pm"], "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    header = "key,title,type,points,state,sprint,created,changed\n"
    run("work-items", team, people["pm"], header + "W-1,Train,story,3,todo,Sprint 1,2026-03-01,\n")
    run("work-items", team, people["pm"], header + "W-1,Train,story,5,in_progress,Sprint 1,,2026-03-03\n")
    item = WorkItem.objects.get(team=team, key="W-1")
    assert (item.points, item.state_group, item.sprint.name) == (Decimal("5.0"), StateGroup.IN_PROGRESS, "Sprint 1")
    assert list(item.changes.values_list("points", flat=True)) == [Decimal("3.0"), Decimal("5.0")]
    with refused(ImportRefused) as caught:
        run("work-items", team, people["pm"], header + "W-2,X,story,1,todo,Nope,,\n")
    assert caught.value.args[0].errors[0].fields == {"sprint": "Unknown sprint."}


def test_retro_actions_are_not_added_twice_and_close(team, people):
    run("jira-issues", team, people["pm"], JIRA)
    data = "sprint,action,owner,raised,closed\nSprint 1,Smaller stories,ds,2026-03-13 18:00,\n"
    run("retro-actions", team, people["pm"], data)
    run("retro-actions", team, people["pm"], data.replace("18:00,", "18:00,2026-03-20"))
    action = RetroAction.objects.get()
    assert (action.owner, action.closed_at) == (people["ds"], datetime.datetime(2026, 3, 20, tzinfo=UTC))


def test_mood_votes_are_the_importers_own(team, people):
    run("jira-issues", team, people["pm"], JIRA)
    run("mood-votes", team, people["pm"], "sprint,score,person,voted\nSprint 1,4,pm,2026-03-13 18:00\n")
    assert list(MoodVote.objects.values_list("person__username", "score")) == [("pm", 4)]
    with refused(ImportRefused) as caught:
        run("mood-votes", team, people["pm"], "sprint,score,person\nSprint 1,9,\nSprint 1,3,ds\n")
    assert [(e.line, sorted(e.fields)) for e in caught.value.args[0].errors] == [(2, ["score"]), (3, ["person"])]


def test_a_sprint_whose_end_has_not_come_stays_active(team, people):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=3), today + datetime.timedelta(days=10)
    data = HEADER + f"ML-1,Story,In Progress,3,Now,{start} 08:00,,,{start},{end}\n"
    run("jira-issues", team, people["pm"], data)
    sprint = Sprint.objects.get(team=team, name="Now")
    assert (sprint.state, sprint.completed_at) == (SprintState.ACTIVE, None)


def test_a_skipped_last_row_leaves_its_sprint_to_be_closed_before_the_next_starts(team, people):
    data = HEADER + (
        "ML-1,Story,Done,5,Sprint 1,2026-02-27 10:00,2026-03-04 15:00,,2026-03-02,2026-03-13\n"
        "ML-2,Story,To Do,bad,Sprint 1,2026-03-05 10:00,,,,\n"  # the sprint's last row, refused
        "ML-3,Story,To Do,2,Sprint 2,2026-03-12 10:00,,,2026-03-16,2026-03-27\n"
    )
    result = run("jira-issues", team, people["pm"], data, skip_invalid=True)
    assert [error.line for error in result.errors] == [3]
    first, second = Sprint.objects.filter(team=team).order_by("planned_start")
    assert first.state == second.state == SprintState.CLOSED
    assert first.completed_at == datetime.datetime(2026, 3, 13, 23, 59, 59, 999999, tzinfo=UTC)
    assert first.summary["completed"] == 5


def test_an_existing_sprint_is_not_closed_by_an_import_that_gives_no_dates(team, people):
    row = sprint(team, people["pm"], "Sprint 1", datetime.date(2026, 3, 2), datetime.date(2026, 3, 13))
    services.sprint_start(actor=people["pm"], sprint=row, at=datetime.datetime(2026, 3, 2, 9, tzinfo=UTC))
    run("jira-issues", team, people["pm"], HEADER + "ML-1,Story,To Do,1,Sprint 1,2026-03-03 10:00,,,,\n")
    assert Sprint.objects.get(pk=row.pk).state == SprintState.ACTIVE
    assert WorkItem.objects.get(key="ML-1").sprint_id == row.pk
