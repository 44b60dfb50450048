"""Jira's own CSV export ("Export CSV (all fields)"), imported as exported: Jira's column names, repeated
``Sprint`` columns (carry-over), Jira's date formats, and the sprint dates the export lacks, asked of the
importer on the preview page and in the API. Fixtures in ``data/`` are shaped like real Jira Cloud and Jira
Server exports. "Now" is pinned: the files' dates are in the past of it, whatever the real date."""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from metrics.imports import IMPORT_SPECS, import_csv
from metrics.imports.base import MissingInput
from metrics.scrum.choices import ItemType, SprintState, StateGroup
from metrics.scrum.imports.common import parse_moment
from metrics.scrum.models import Sprint, WorkItem
from metrics.scrum.services import sprints as services
from tests.metrics.scrum.test_imports import ImportRefused, refused, scrum_rows
from tests.metrics.scrum_builders import make_team, sprint

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
DATA = Path(__file__).parent / "data"
CLOUD = (DATA / "jira_cloud_export.csv").read_text(encoding="utf-8")
SERVER = (DATA / "jira_server_export.csv").read_text(encoding="utf-8")
CLOUD_DATES = {
    "CHURN Sprint 1": {"start": "2026-11-02", "end": "2026-11-13"},
    "CHURN Sprint 2": {"start": "2026-11-16", "end": "2026-11-27"},
    "CHURN Sprint 3": {"start": "2026-11-30", "end": "2026-12-11"},
}
SERVER_DATES = {"Sprint 8": {"start": "2026-11-02", "end": "2026-11-13"}}
END_OF_DAY = datetime.time(23, 59, 59, 999999)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(datetime.datetime(2026, 12, 3, 12, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def team(project, people):
    return make_team(people, project.portfolio, project)


def jira(team, actor, data, sprint_dates=None):
    """Import for real; ImportRefused (for ``refused``) when nothing was committed."""
    inputs = {} if sprint_dates is None else {"sprint_dates": sprint_dates}
    spec = IMPORT_SPECS["jira-issues"]
    result = import_csv(spec, actor=actor, scope=team, data=data, commit=True, inputs=inputs)
    if not result.committed:
        raise ImportRefused(result)
    return result


def items(team):
    return {
        item.key: (item.item_type, item.points, item.state_group, item.sprint.name if item.sprint else None)
        for item in WorkItem.objects.filter(team=team).select_related("sprint")
    }


def sprint_path(team, key):
    """The sprints an item was in, in change-log order (each once, consecutive repeats collapsed)."""
    path: list = []
    for change in WorkItem.objects.get(team=team, key=key).changes.order_by("at", "id").select_related("sprint"):
        name = change.sprint.name if change.sprint else None
        if not path or path[-1][0] != name:
            path.append((name, change.at, change.state_group))
    return path


def at(month, day, hour=0, minute=0):
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=UTC)


def summary(team, name):
    row = Sprint.objects.get(team=team, name=name)
    return (row.summary["commitment"], row.summary["completed"], row.summary["say_do"], row.summary["scope_change"])


# --- reading Jira's files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/Dec/26 2:15 PM", datetime.datetime(2026, 12, 3, 14, 15)),  # Jira Server / Data Center
        ("03/Dec/2026 2:15 PM", datetime.datetime(2026, 12, 3, 14, 15)),  # Jira Cloud
        ("2026-12-03 14:15", datetime.datetime(2026, 12, 3, 14, 15)),  # ISO-like
        ("03/dec/26 9:05 am", datetime.datetime(2026, 12, 3, 9, 5)),
        ("03/Dec/2026", datetime.datetime(2026, 12, 3)),
    ],
)
def test_jira_dates_are_read_in_the_portals_time_zone(text, expected):
    with override_settings(TIME_ZONE="Europe/Paris"):
        moment = parse_moment(text)
    assert moment.astimezone(UTC) == (expected - datetime.timedelta(hours=1)).replace(tzinfo=UTC)


def test_the_cloud_export_asks_for_the_dates_of_its_new_sprints_and_writes_nothing(team, people):
    before = scrum_rows()
    result = import_csv(IMPORT_SPECS["jira-issues"], actor=people["pm"], scope=team, data=CLOUD, commit=False)
    assert result.missing == [
        MissingInput("sprint_dates", "CHURN Sprint 1"),
        MissingInput("sprint_dates", "CHURN Sprint 2"),
        MissingInput("sprint_dates", "CHURN Sprint 3"),
    ]
    assert "CHURN Sprint 1, CHURN Sprint 2, CHURN Sprint 3" in result.file_error
    assert (result.total, result.errors, result.committed) == (0, [], False)
    assert scrum_rows() == before


def test_a_jira_cloud_export_imports_as_exported(team, people):
    result = jira(team, people["pm"], CLOUD, CLOUD_DATES)
    assert (result.total, result.imported, result.errors) == (6, 6, [])
    assert items(team) == {
        "CHURN-1": (ItemType.STORY, Decimal("5.0"), StateGroup.DONE, "CHURN Sprint 1"),
        "CHURN-2": (ItemType.STORY, Decimal("3.0"), StateGroup.DONE, "CHURN Sprint 2"),
        "CHURN-3": (ItemType.DEFECT, Decimal("2.0"), StateGroup.IN_PROGRESS, "CHURN Sprint 3"),
        "CHURN-4": (ItemType.TASK, Decimal("1.0"), StateGroup.TODO, "CHURN Sprint 2"),
        "CHURN-5": (ItemType.STORY, None, StateGroup.TODO, None),
        "CHURN-6": (ItemType.STORY, Decimal("2.0"), StateGroup.DONE, "CHURN Sprint 3"),
    }
    assert WorkItem.objects.get(team=team, key="CHURN-1").title == "Score churn nightly"
    assert list(Sprint.objects.filter(team=team).order_by("planned_start").values_list(
        "name", "planned_start", "planned_end", "state", "started_at", "completed_at"
    )) == [
        ("CHURN Sprint 1", datetime.date(2026, 11, 2), datetime.date(2026, 11, 13), SprintState.CLOSED,
         at(11, 2), datetime.datetime.combine(datetime.date(2026, 11, 13), END_OF_DAY, UTC)),
        ("CHURN Sprint 2", datetime.date(2026, 11, 16), datetime.date(2026, 11, 27), SprintState.CLOSED,
         at(11, 16), datetime.datetime.combine(datetime.date(2026, 11, 27), END_OF_DAY, UTC)),
        ("CHURN Sprint 3", datetime.date(2026, 11, 30), datetime.date(2026, 12, 11), SprintState.ACTIVE,
         at(11, 30), None),
    ]  # fmt: skip


def test_a_carried_over_issue_is_in_every_sprint_it_was_in_and_done_in_none_but_its_last(team, people):
    jira(team, people["pm"], CLOUD, CLOUD_DATES)
    assert sprint_path(team, "CHURN-3") == [
        ("CHURN Sprint 1", at(10, 30, 14, 15), StateGroup.IN_PROGRESS),
        ("CHURN Sprint 2", at(11, 16), StateGroup.IN_PROGRESS),
        ("CHURN Sprint 3", at(11, 30), StateGroup.IN_PROGRESS),
    ]
    assert list(WorkItem.objects.get(key="CHURN-2").changes.values_list("at", "sprint__name", "state_group")) == [
        (at(10, 29, 10), "CHURN Sprint 1", StateGroup.TODO),
        (at(11, 16), "CHURN Sprint 2", StateGroup.TODO),
        (at(11, 18, 11), "CHURN Sprint 2", StateGroup.DONE),
    ]
    # Sprint 1 committed CHURN-1, 2 and 3 (10 points) and completed CHURN-1 only: 2 and 3 were carried over.
    no_change = {"added": 0.0, "removed": 0.0, "reestimated": 0.0, "net": 0.0}
    assert summary(team, "CHURN Sprint 1") == (10, 5, 0.5, no_change)
    # Sprint 2 started with the two carried over (5 points), took CHURN-4 on its first day, completed CHURN-2.
    assert summary(team, "CHURN Sprint 2") == (
        5,
        3,
        0.6,
        {"added": 1.0, "removed": 0.0, "reestimated": 0.0, "net": 1.0},
    )


def test_a_jira_server_export_imports_as_exported(team, people):
    sprint_7 = sprint(team, people["pm"], "Sprint 7", datetime.date(2026, 10, 19), datetime.date(2026, 10, 30))
    services.sprint_start(actor=people["pm"], sprint=sprint_7, at=at(10, 19))
    result = jira(team, people["pm"], SERVER, SERVER_DATES)
    assert (result.total, result.imported, result.errors) == (4, 4, [])
    assert items(team) == {
        "ML-140": (ItemType.STORY, Decimal("5.0"), StateGroup.DONE, "Sprint 7"),
        "ML-141": (ItemType.STORY, Decimal("8.0"), StateGroup.IN_PROGRESS, "Sprint 8"),
        "ML-142": (ItemType.DEFECT, Decimal("3.0"), StateGroup.DONE, "Sprint 8"),
        "ML-143": (ItemType.TASK, None, StateGroup.TODO, None),
    }
    assert WorkItem.objects.get(key="ML-142").resolved_at == at(11, 5, 11)
    # The sprint the team already had needed no dates; it closed at its planned end when Sprint 8 started.
    sprint_7.refresh_from_db()
    assert (sprint_7.state, sprint_7.completed_at) == (
        SprintState.CLOSED,
        datetime.datetime.combine(datetime.date(2026, 10, 30), END_OF_DAY, UTC),
    )
    no_change = {"added": 0.0, "removed": 0.0, "reestimated": 0.0, "net": 0.0}
    assert summary(team, "Sprint 7") == (13, 5, pytest.approx(5 / 13), no_change)
    added = {"added": 3.0, "removed": 0.0, "reestimated": 0.0, "net": 3.0}
    assert summary(team, "Sprint 8") == (8, 3, 0.0, added)
    assert sprint_path(team, "ML-141") == [
        ("Sprint 7", at(10, 16, 10, 15), StateGroup.IN_PROGRESS),
        ("Sprint 8", at(11, 2), StateGroup.IN_PROGRESS),
    ]


def test_importing_the_cloud_export_again_changes_nothing(team, people):
    jira(team, people["pm"], CLOUD, CLOUD_DATES)
    before = scrum_rows()
    result = jira(team, people["pm"], CLOUD)  # the sprints exist now: no dates needed
    assert (result.imported, result.errors) == (6, [])
    assert scrum_rows() == before


def test_a_later_export_carries_an_issue_imported_before_over(team, people):
    header, *lines = CLOUD.splitlines(keepends=True)
    mid_sprint_1 = header + lines[3].replace(",CHURN Sprint 2,CHURN Sprint 3,", ",,,")  # CHURN-3, in Sprint 1 only
    with time_machine.travel(datetime.datetime(2026, 11, 10, 12, tzinfo=UTC), tick=False):
        jira(team, people["pm"], mid_sprint_1, {"CHURN Sprint 1": CLOUD_DATES["CHURN Sprint 1"]})
    assert Sprint.objects.get(team=team, name="CHURN Sprint 1").state == SprintState.ACTIVE
    jira(team, people["pm"], CLOUD, CLOUD_DATES)  # Sprint 1 exists: its dates are not needed (nor used)
    assert [(name, moment) for name, moment, _state in sprint_path(team, "CHURN-3")] == [
        ("CHURN Sprint 1", at(10, 30, 14, 15)),
        ("CHURN Sprint 2", at(11, 16)),
        ("CHURN Sprint 3", at(11, 30)),
    ]
    no_change = {"added": 0.0, "removed": 0.0, "reestimated": 0.0, "net": 0.0}
    assert summary(team, "CHURN Sprint 1") == (10, 5, 0.5, no_change)


# --- refusals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({**CLOUD_DATES, "CHURN Sprint 2": {"start": "2026-11-27", "end": "2026-11-16"}}, "CHURN Sprint 2"),
        ({**CLOUD_DATES, "CHURN Sprint 3": {"start": "soon", "end": "2026-12-11"}}, "CHURN Sprint 3"),
        ({**CLOUD_DATES, "CHURN Sprint 2": {"start": "2026-11-10", "end": "2026-11-20"}}, "CHURN Sprint 2"),
    ],
    ids=["end before start", "not a date", "overlaps the previous sprint"],
)
def test_bad_sprint_dates_refuse_the_file_naming_the_sprint(team, people, dates, message):
    with refused(ImportRefused) as caught:
        jira(team, people["pm"], CLOUD, dates)
    assert message in caught.value.args[0].file_error


def test_a_bad_row_refuses_the_whole_export_naming_its_line_and_column(team, people):
    bad = CLOUD.replace(",3,CHURN Sprint 1,CHURN Sprint 2,", ",three,CHURN Sprint 1,CHURN Sprint 2,")
    with refused(ImportRefused) as caught:
        jira(team, people["pm"], bad, CLOUD_DATES)
    (error,) = caught.value.args[0].errors
    assert (error.line, list(error.fields)) == (4, ["story points"])  # CHURN-1's description spans lines 2-3


def test_an_issue_resolved_before_it_was_carried_over_is_refused(team, people):
    bad = CLOUD.replace("18/Nov/2026 11:00 AM,03/Dec/2026 8:12 AM,18/Nov/2026 11:00 AM", "x,y,12/Nov/2026 11:00 AM")
    with refused(ImportRefused) as caught:
        jira(team, people["pm"], bad, CLOUD_DATES)
    (error,) = caught.value.args[0].errors
    assert error.fields == {"resolved": "Before it was carried over to sprint 'CHURN Sprint 2' (2026-11-16)."}


# --- the preview page and the API -------------------------------------------------------------------------------


def test_the_preview_page_asks_for_the_new_sprints_dates_then_imports_with_them(client, team, people):
    client.force_login(people["pm"])
    url = reverse("import-csv", args=["jira-issues", team.pk])
    before = scrum_rows()
    upload = SimpleUploadedFile("jira.csv", CLOUD.encode(), content_type="text/csv")
    response = client.post(url, {"file": upload})
    assert response.status_code == 200
    form = response.context["inputs_form"]
    assert [need["name"] for need in form.needs()] == list(CLOUD_DATES)
    assert 'data-testid="import-inputs"' in response.content.decode()
    payload = response.context["carry_form"].initial["payload"]
    answers = {"action": "inputs", "payload": payload}
    for index, dates in enumerate(CLOUD_DATES.values()):
        answers.update({f"input-{index}-start": dates["start"], f"input-{index}-end": dates["end"]})
    wrong = client.post(url, {**answers, "input-1-end": "2026-11-01"})
    assert wrong.status_code == 400
    assert wrong.context["inputs_form"].errors == {"input-1-end": ["Before the start."]}
    preview = client.post(url, answers)
    assert (preview.status_code, preview.context["good"], preview.context["bad"]) == (200, 6, 0)
    assert scrum_rows() == before  # nothing written until confirmed
    confirm = preview.context["confirm_form"].initial
    done = client.post(url, {"action": "confirm", "payload": confirm["payload"], "skip_invalid": ""})
    assert (done.status_code, done.context["outcome"].imported) == (200, 6)
    assert items(team)["CHURN-3"][3] == "CHURN Sprint 3"
    assert Sprint.objects.get(team=team, name="CHURN Sprint 2").planned_start == datetime.date(2026, 11, 16)


def _with_an_epic(export: str) -> str:
    """The export with an epic row added, as Jira lists one when the filter includes epics: no sprint, no points."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(export)))
    header, epic = rows[0], list(rows[1])
    for index, name in enumerate(header):
        if name in ("Sprint", "Custom field (Story Points)", "Custom field (Story point estimate)", "Resolved"):
            epic[index] = ""
    epic[header.index("Issue key")], epic[header.index("Issue Type")] = "CHURN-100", "Epic"
    epic[header.index("Status")], epic[header.index("Summary")] = "In Progress", "Churn model v2"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([*rows, epic])
    return out.getvalue()


def test_an_epic_in_the_export_is_left_out_and_said_so_not_refused(team, people):
    result = jira(team, people["pm"], _with_an_epic(CLOUD), CLOUD_DATES)
    assert (result.total, result.left_out, result.imported, result.errors) == (7, 1, 6, [])
    assert "1 epic(s) left out" in result.left_out_note
    assert not WorkItem.objects.filter(team=team, key="CHURN-100").exists()
    assert WorkItem.objects.filter(team=team).count() == 6
