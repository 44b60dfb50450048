"""GET /api/v1/projects/{id}/history/: each record's kind and label, the page's filters, documented in the schema."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.pagination import PageNumberPagination

from lifecycle import services
from lifecycle.audit_catalog import AuditKind
from lifecycle.services.audit import audit_write
from portfolio.choices import Role
from tests.api.fuzzing import generated_schema
from tests.factories import PortfolioFactory, make_project, member, provide_required_artifacts

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

UPLOADS = 5  # the charter phase's required artifacts, one version each


def at(day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture
def story(portfolio, people):
    """2 Mar 09:00 UTC pm creates the project; 3 Mar pm updates the charter; 4 Mar 23:30 ds uploads the gate's
    artifacts; 5 Mar 10:00 pm requests the gate review."""
    with time_machine.travel(at(2, 9), tick=False):
        project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-007")
    with time_machine.travel(at(3), tick=False):
        services.charter_update(actor=people["pm"], project=project, base_version=1, changes={"objective": "Churn"})
    with time_machine.travel(at(4, 23, 30), tick=False):
        provide_required_artifacts(project, people["ds"])
    with time_machine.travel(at(5, 10), tick=False):
        services.gate_review_request(actor=people["pm"], project=project)
    return project


def _history(client, project, **params):
    return client.get(f"/api/v1/projects/{project.pk}/history/", params)


def _actions(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [record["action"] for record in response.json()["results"]]


def test_records_carry_kind_and_label_beside_the_existing_fields(pm_client, story):
    newest = _history(pm_client, story).json()["results"][0]
    assert list(newest) == [
        "id",
        "at",
        "actor",
        "action",
        "kind",
        "label",
        "target_type",
        "target_id",
        "before",
        "after",
        "reason",
    ]
    assert (newest["action"], newest["kind"], newest["label"]) == ("gate.request", "gates", "requested a gate review")
    assert newest["at"] == "2026-03-05T10:00:00Z"


def test_an_unknown_action_is_listed_as_its_code_under_other(pm_client, project, people):
    audit_write(actor=people["pm"], action="quantum.entangle", target=project, project=project)
    records = _history(pm_client, project, kind="other").json()["results"]
    assert [(record["action"], record["kind"], record["label"]) for record in records] == [
        ("quantum.entangle", "other", "quantum.entangle")
    ]


def test_filters_narrow_as_on_the_page(pm_client, people, story):
    assert _actions(_history(pm_client, story, kind="charter")) == ["charter.update"]
    assert _actions(_history(pm_client, story, kind="artifacts")) == ["artifact.add_version"] * UPLOADS
    assert _actions(_history(pm_client, story, actor=people["ds"].pk)) == ["artifact.add_version"] * UPLOADS
    assert _actions(_history(pm_client, story, since="2026-03-03", until="2026-03-04")) == [
        *["artifact.add_version"] * UPLOADS,
        "charter.update",
    ]
    assert _actions(_history(pm_client, story, kind="gates", actor=people["pm"].pk, since="2026-03-05")) == [
        "gate.request"
    ]
    assert _actions(_history(pm_client, story, kind="", actor="", since="", until="")) == _actions(
        _history(pm_client, story)
    )  # an empty value is no filter


def test_dates_are_days_of_the_site_time_zone(pm_client, story, settings):
    settings.TIME_ZONE = "Europe/Paris"  # 23:30 UTC on 4 March is 00:30 on 5 March in Paris
    assert _actions(_history(pm_client, story, since="2026-03-05")) == ["gate.request", *["artifact.add_version"] * 5]


@pytest.mark.parametrize("user", ["outsider", "missing"])
def test_a_person_from_elsewhere_lists_nothing(pm_client, people, story, user):
    user_id = people["outsider"].pk if user == "outsider" else 999_999
    response = _history(pm_client, story, actor=user_id)
    assert (_actions(response), response.json()["count"]) == ([], 0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-02-30"}, "since"),
        ({"until": "soon"}, "until"),
        ({"since": "9" * 300}, "since"),
        ({"kind": "gossip"}, "kind"),
        ({"actor": "bob"}, "actor"),
        ({"actor": "0"}, "actor"),
        ({"actor": "99999999999999999999999"}, "actor"),
    ],
)
def test_bad_filters_are_400_naming_the_field(pm_client, story, params, field):
    response = _history(pm_client, story, **params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_dates_at_the_ends_of_the_calendar_are_no_500(pm_client, story, settings, day, zone):
    settings.TIME_ZONE = zone
    everything = _history(pm_client, story).json()["count"]
    since, until = _history(pm_client, story, since=day), _history(pm_client, story, until=day)
    assert (since.status_code, until.status_code) == (200, 200)
    early = day.startswith("0001")
    assert (since.json()["count"], until.json()["count"]) == ((everything, 0) if early else (0, everything))


def test_pages_keep_the_filters(pm_client, people, project, monkeypatch):
    monkeypatch.setattr(PageNumberPagination, "page_size", 2)
    for number in range(5):
        services.activity_add(actor=people["pm"], project=project, phase="charter", name=f"Step {number}")
    first = _history(pm_client, project, kind="checklist", actor=people["pm"].pk).json()
    assert first["count"] == 5
    assert "kind=checklist" in first["next"] and f"actor={people['pm'].pk}" in first["next"]
    second = pm_client.get(first["next"]).json()
    assert [record["action"] for record in second["results"]] == ["activity.add"] * 2
    assert "kind=checklist" in second["next"]


def test_another_portfolios_project_is_404(pm_client):
    elsewhere = PortfolioFactory(name="Elsewhere", slug="elsewhere")
    hidden = make_project(portfolio=elsewhere, owner=member(elsewhere, Role.PROJECT_MANAGER, "pm2"))
    assert _history(pm_client, hidden).status_code == 404
    assert _history(pm_client, hidden, since="nonsense").status_code == 404  # the project first: nothing named


def test_queries_do_not_grow_with_rows(pm_client, people, portfolio):
    counts = []
    for count in (5, 50):
        project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code=f"AML-{count}")
        for number in range(count):
            services.activity_add(actor=people["pm"], project=project, phase="charter", name=f"Step {number}")
        _history(pm_client, project)
        with CaptureQueriesContext(connection) as captured:
            assert _history(pm_client, project, actor=people["pm"].pk, kind="checklist").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_schema_documents_the_filters_and_the_new_fields():
    schema = generated_schema()
    operation = schema["paths"]["/api/v1/projects/{project_pk}/history/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert {"kind", "actor", "since", "until", "page"} <= set(parameters)
    assert sorted(parameters["kind"]["schema"]["enum"]) == sorted(AuditKind.values)
    assert parameters["actor"]["schema"]["type"] == "integer"
    assert parameters["since"]["schema"] == parameters["until"]["schema"] == {"type": "string", "format": "date"}
    assert "400" in operation["responses"]
    record = schema["components"]["schemas"]["AuditRecord"]["properties"]
    kind = record["kind"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert sorted(schema["components"]["schemas"][kind]["enum"]) == sorted(AuditKind.values)
    assert record["label"]["type"] == "string"
