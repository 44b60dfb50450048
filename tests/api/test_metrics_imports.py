"""Bulk CSV upload through the API: the catalog of kinds, dry-run previews that write nothing, all-or-nothing
imports (or skip_invalid), and the same permissions as the upload pages. Uses a spec registered by these tests
(removed after) and the real specs of the areas."""

import datetime
import json
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from metrics.portfolio_inputs.models import BudgetPeriod
from metrics.product.models import Customer
from metrics.scrum.models import WorkItem
from tests.api.metrics_world import api_refused, budget_import_registered, build_product, build_scrum, everything
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

GOOD = "month,amount\n2026-01-01,100\n2026-02-01,200.50\n"
ONE_BAD = "month,amount\n2026-01-01,100\n2026-02-15,200\n2026-03-01,abc\n2026-04-01,50\n"


@pytest.fixture
def kind():
    with budget_import_registered() as slug:
        yield slug


def upload(client, kind, scope, text, **options):
    data = {"file": SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv"), "scope": scope, **options}
    return client.post(f"/api/v1/imports/{kind}/", data, format="multipart")


def test_the_catalog_lists_kinds_with_columns(kind, client_for):
    kinds = {row["kind"]: row for row in client_for("ds").get("/api/v1/imports/").json()}
    assert kinds[kind] == {
        "kind": kind,
        "label": "Budget (API tests)",
        "description": "",
        "scope": "project",
        "columns": [
            {"name": "month", "required": True, "help": "First day of the month", "example": ""},
            {"name": "amount", "required": True, "help": "", "example": ""},
        ],
        "example_csv": "month,amount\n,\n",
    }
    assert client_for("exec").get(f"/api/v1/imports/{kind}/").json()["columns"][0]["name"] == "month"
    assert client_for("exec").get("/api/v1/imports/no-such-kind/").status_code == 404
    nobody = APIClient()
    nobody.force_authenticate(UserFactory(username="no-role"))
    assert nobody.get("/api/v1/imports/").json() == []
    assert nobody.get(f"/api/v1/imports/{kind}/").status_code == 404


def test_dry_run_is_the_default_and_writes_nothing(kind, project, client_for):
    before = everything()
    response = upload(client_for("pm"), kind, project.pk, ONE_BAD)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "kind": kind,
        "scope": project.pk,
        "dry_run": True,
        "total": 4,
        "left_out": 0,
        "left_out_note": "",
        "importable": 2,
        "errors": [
            {
                "line": 3,
                "message": "The budget period is invalid.",
                "fields": {"period_start": "A budget period is a calendar month: give its first day, not 2026-02-15."},
            },
            {"line": 4, "message": "The budget period is invalid.", "fields": {"amount": "Not a number: 'abc'."}},
        ],
    }
    assert everything() == before


def test_import_writes_every_row(kind, project, client_for):
    response = upload(client_for("pm"), kind, project.pk, GOOD, dry_run="false")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "kind": kind,
        "scope": project.pk,
        "dry_run": False,
        "total": 2,
        "left_out": 0,
        "left_out_note": "",
        "imported": 2,
        "skipped": 0,
        "errors": [],
    }
    assert sorted(BudgetPeriod.objects.values_list("period_start", "amount")) == [
        (datetime.date(2026, 1, 1), 100),
        (datetime.date(2026, 2, 1), 200.5),
    ]


def test_a_malformed_csv_imports_nothing(kind, project, client_for):
    body = api_refused(lambda: upload(client_for("pm"), kind, project.pk, ONE_BAD, dry_run="false"), 400).json()
    assert body["code"] == "invalid"
    assert body["detail"].startswith("2 of 4 rows are invalid; nothing was imported.")
    assert [error["line"] for error in body["errors"]] == [3, 4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("month\n2026-01-01\n", "Missing column(s): amount. Expected: month, amount."),
        ("month,amount\n", "The file has a header but no data rows."),
    ],
)
def test_an_unreadable_file_is_400_and_writes_nothing(kind, project, client_for, text, message):
    body = api_refused(lambda: upload(client_for("pm"), kind, project.pk, text, dry_run="false"), 400).json()
    assert (body["detail"], body["errors"]) == (message, {"file": message})


def test_an_empty_file_is_refused_by_the_upload_shape(kind, project, client_for):
    body = api_refused(lambda: upload(client_for("pm"), kind, project.pk, "", dry_run="false"), 400).json()
    assert body["errors"] == {"file": ["The submitted file is empty."]}


def test_not_utf8_is_refused(kind, project, client_for):
    data = {"file": SimpleUploadedFile("rows.csv", "month,amount\n2026-01-01,1\xe9\n".encode("latin-1")),
            "scope": project.pk, "dry_run": "false"}  # fmt: skip
    call = lambda: client_for("pm").post(f"/api/v1/imports/{kind}/", data, format="multipart")  # noqa: E731
    assert "not UTF-8" in api_refused(call, 400).json()["detail"]


def test_skip_invalid_imports_the_valid_rows(kind, project, client_for):
    response = upload(client_for("pm"), kind, project.pk, ONE_BAD, dry_run="false", skip_invalid="true")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["imported"], body["skipped"]) == (4, 2, 2)
    assert [error["line"] for error in body["errors"]] == [3, 4]
    assert BudgetPeriod.objects.count() == 2


@pytest.mark.parametrize(("role", "status"), [("exec", 403), ("ds", 403), ("product", 403), ("outsider", 404)])
def test_refused_uploads_change_nothing(kind, project, client_for, role, status):
    for dry_run in ("true", "false"):
        api_refused(lambda d=dry_run: upload(client_for(role), kind, project.pk, GOOD, dry_run=d), status)


def test_upload_shape_errors(kind, project, client_for):
    client = client_for("pm")
    body = api_refused(lambda: client.post(f"/api/v1/imports/{kind}/", {}, format="multipart"), 400).json()
    assert set(body["errors"]) == {"file", "scope"}
    api_refused(lambda: upload(client, kind, 10**9, GOOD, dry_run="false"), 404)
    api_refused(lambda: upload(client, "no-such-kind", project.pk, GOOD, dry_run="false"), 404)


def test_a_real_project_spec_budgets(project, client_for):
    text = "period_start,amount\n2026-05-01,300\n"
    preview = upload(client_for("pm"), "budgets", project.pk, text)
    assert (preview.status_code, preview.json()["importable"], preview.json()["errors"]) == (200, 1, [])
    assert BudgetPeriod.objects.count() == 0
    done = upload(client_for("pm"), "budgets", project.pk, text, dry_run="false")
    assert (done.status_code, done.json()["imported"]) == (201, 1)
    assert list(BudgetPeriod.objects.values_list("amount", flat=True)) == [300]


def test_a_real_product_spec_customers(project, people, client_for):
    product = build_product(project, people)["product"]
    text = "external_id,acquired_on,channel\nC-7,2026-03-02,ads\nC-8,not-a-date,ads\n"
    api_refused(lambda: upload(client_for("product"), "customers", product.pk, text, dry_run="false"), 400)
    api_refused(lambda: upload(client_for("ds"), "customers", product.pk, text, dry_run="false"), 403)
    done = upload(client_for("product"), "customers", product.pk, text, dry_run="false", skip_invalid="true")
    assert (done.status_code, done.json()["imported"], done.json()["skipped"]) == (201, 1, 1)
    assert set(Customer.objects.values_list("external_id", flat=True)) == {"C-1", "C-7"}


def test_a_real_team_spec_jira_export(project, people, client_for):
    team = build_scrum(project, people)["team"]
    text = (
        "key,type,status,story points,sprint,created,resolved,summary,sprint start,sprint end\n"
        "ML-501,Story,Done,5,Sprint 9,2026-03-16 09:15,2026-03-18 16:40,Score nightly,2026-03-16,2026-03-27\n"
        "ML-502,Bug,To Do,2,Sprint 9,2026-03-17 10:00,,Fix drift,2026-03-16,2026-03-27\n"
    )
    before = everything()
    preview = upload(client_for("ds"), "jira-issues", team.pk, text)
    assert (preview.status_code, preview.json()["importable"], preview.json()["errors"]) == (200, 2, [])
    assert everything() == before
    api_refused(lambda: upload(client_for("exec"), "jira-issues", team.pk, text, dry_run="false"), 403)
    api_refused(lambda: upload(client_for("outsider"), "jira-issues", team.pk, text, dry_run="false"), 404)
    done = upload(client_for("ds"), "jira-issues", team.pk, text, dry_run="false")
    assert (done.status_code, done.json()["imported"]) == (201, 2), done.content
    assert set(WorkItem.objects.filter(team=team).values_list("key", flat=True)) == {"ML-1", "ML-501", "ML-502"}


JIRA_CLOUD = (Path(__file__).parents[1] / "metrics" / "scrum" / "data" / "jira_cloud_export.csv").read_text()
JIRA_CLOUD_DATES = {
    "CHURN Sprint 1": {"start": "2026-11-02", "end": "2026-11-13"},
    "CHURN Sprint 2": {"start": "2026-11-16", "end": "2026-11-27"},
    "CHURN Sprint 3": {"start": "2026-11-30", "end": "2026-12-11"},
}


@time_machine.travel(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC), tick=False)
def test_a_jira_cloud_export_without_its_new_sprints_dates_is_400_naming_them(project, people, client_for):
    team = build_scrum(project, people)["team"]
    partial = json.dumps({"CHURN Sprint 2": JIRA_CLOUD_DATES["CHURN Sprint 2"]})
    for dry_run in ("true", "false"):
        response = api_refused(
            lambda dry_run=dry_run: upload(
                client_for("ds"), "jira-issues", team.pk, JIRA_CLOUD, dry_run=dry_run, sprint_dates=partial
            ),
            400,
        )
        assert response.json()["errors"] == {
            "sprint_dates": {"CHURN Sprint 1": "Needed: start and end.", "CHURN Sprint 3": "Needed: start and end."}
        }
        assert "CHURN Sprint 1, CHURN Sprint 3" in response.json()["detail"]
    bad = json.dumps({**JIRA_CLOUD_DATES, "CHURN Sprint 3": {"start": "2026-12-11", "end": "2026-11-30"}})
    response = api_refused(lambda: upload(client_for("ds"), "jira-issues", team.pk, JIRA_CLOUD, sprint_dates=bad), 400)
    assert "CHURN Sprint 3: The end is before the start." in response.json()["detail"]
    api_refused(lambda: upload(client_for("ds"), "jira-issues", team.pk, JIRA_CLOUD, sprint_dates="{not json"), 400)


@time_machine.travel(datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC), tick=False)
def test_a_jira_cloud_export_imports_with_its_sprint_dates(project, people, client_for):
    team = build_scrum(project, people)["team"]
    dates = json.dumps(JIRA_CLOUD_DATES)
    done = upload(client_for("ds"), "jira-issues", team.pk, JIRA_CLOUD, dry_run="false", sprint_dates=dates)
    assert (done.status_code, done.json()["imported"], done.json()["errors"]) == (201, 6, []), done.content
    assert list(WorkItem.objects.filter(team=team, key__startswith="CHURN").order_by("key").values_list(
        "key", "sprint__name"
    )) == [
        ("CHURN-1", "CHURN Sprint 1"),
        ("CHURN-2", "CHURN Sprint 2"),
        ("CHURN-3", "CHURN Sprint 3"),
        ("CHURN-4", "CHURN Sprint 2"),
        ("CHURN-5", None),
        ("CHURN-6", "CHURN Sprint 3"),
    ]  # fmt: skip
