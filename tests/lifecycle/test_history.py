"""The project history page: every audit action has a label, filters by kind, person and dates, paginates."""

import ast
import datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from lifecycle import services
from lifecycle.admin import AuditedAdmin
from lifecycle.audit_catalog import AUDIT_CATALOG, AuditKind, audit_entry
from lifecycle.services.audit import audit_write
from lifecycle.views.projects import HISTORY_PER_PAGE
from portal.models import User
from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member, provide_required_artifacts

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

ROOT = Path(__file__).resolve().parents[2]
APPS = ("lifecycle", "metrics", "collaboration", "portfolio", "portal")
UTC = datetime.UTC


def at(day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# --- the catalog covers every action the code writes -------------------------------------------------------


def _function_params(tree: ast.AST) -> dict[str, list[str]]:
    return {
        node.name: [arg.arg for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
    }


def _enclosing_function(tree: ast.AST, node: ast.AST) -> ast.FunctionDef | None:
    around = [
        function
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef) and function.lineno <= node.lineno <= (function.end_lineno or 0)
    ]
    return max(around, key=lambda function: function.lineno, default=None)  # the innermost


def _module_constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def written_actions() -> tuple[set[str], list[str], list[str]]:
    """Every action string reaching audit_write: (literal actions, f-string sites, sites this test cannot read).

    Writers are audit_write, token_audit (portal's hook, installed as audit_write), and any function that passes
    one of its own parameters on as the action (update_and_audit, audit_team, ...), found until none is new.
    """
    modules = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                tree = ast.parse(path.read_text(), filename=str(path))
                modules.append((path, tree, _function_params(tree), _module_constants(tree)))
    writers = {"audit_write": "action", "token_audit": "action"}  # function name -> its action parameter
    while True:
        actions, formatted, unread, found = set(), [], [], {}
        for path, tree, params, constants in modules:
            for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
                name = _called_name(call)
                if name not in writers:
                    continue
                values = [keyword.value for keyword in call.keywords if keyword.arg == writers[name]]
                position = params.get(name, []).index(writers[name]) if writers[name] in params.get(name, []) else -1
                if not values and 0 <= position < len(call.args):
                    values = [call.args[position]]
                site = f"{path.relative_to(ROOT)}:{call.lineno}"
                if not values:
                    unread.append(site)
                pending = list(values)
                while pending:
                    value = pending.pop()
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        actions.add(value.value)
                    elif isinstance(value, ast.IfExp):
                        pending += [value.body, value.orelse]
                    elif isinstance(value, ast.JoinedStr):
                        formatted.append(site)
                    elif isinstance(value, ast.Name) and value.id in constants:
                        actions.add(constants[value.id])
                    elif isinstance(value, ast.Name):
                        function = _enclosing_function(tree, call)
                        if function is not None and value.id in params.get(function.name, []):
                            found[function.name] = value.id  # its callers name the action
                        else:
                            unread.append(site)
                    else:
                        unread.append(site)
        if set(found.items()) <= set(writers.items()):
            return actions, formatted, unread
        writers.update(found)


def reference_actions() -> set[str]:
    """lifecycle.services.reference audits "<model_name>.<verb>" for the rows the admin saves through it, for each
    of create, update and delete that the admin allows (a portfolio is never deleted, a lockout only lifted)."""
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_active=True, is_staff=True)
    actions = set()
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedAdmin):
            allowed = {
                "create": model_admin.has_add_permission(request),
                "update": model_admin.has_change_permission(request),
                "delete": model_admin.has_delete_permission(request),
            }
            actions |= {f"{model._meta.model_name}.{verb}" for verb, allowed in allowed.items() if allowed}
    return actions


def test_every_audit_action_written_has_a_label_and_no_label_is_stale():
    actions, formatted, unread = written_actions()
    assert not unread, f"teach written_actions() to read the action at {unread}"
    # The only computed actions: reference rows, "<model_name>.create|update|delete".
    assert sorted(site.split(":")[0] for site in formatted) == ["lifecycle/services/reference.py"] * 3, formatted
    expected = actions | reference_actions()
    assert len(actions) > 70  # the walk found the writes of every app, not just lifecycle's
    assert {"gate.decide", "cost_entry.update", "scrum.sprint.start", "csv_import.confirm"} <= actions
    assert {"gate.evidence_request_withdraw", "token.revoke", "artifacttype.delete", "accessattempt.delete"} <= expected
    assert "portfolio.delete" not in expected
    assert sorted(expected - set(AUDIT_CATALOG)) == [], "add these actions to lifecycle/audit_catalog.py"
    assert sorted(set(AUDIT_CATALOG) - expected) == [], "nothing writes these actions any more: remove them"


def test_catalog_labels_read_as_sentence_fragments():
    for action, entry in AUDIT_CATALOG.items():
        assert entry.kind in AuditKind.values and entry.kind != AuditKind.OTHER, action
        assert entry.label and entry.label == entry.label.strip() and entry.label[0].islower(), action
        assert not entry.label.endswith("."), action


def test_an_unknown_action_reads_as_its_code_under_other():
    entry = audit_entry("quantum.entangle")
    assert (entry.kind, entry.label) == (AuditKind.OTHER, "quantum.entangle")


# --- the page -----------------------------------------------------------------------------------------


@pytest.fixture
def story(portfolio, people):
    """A project's first week, written through the services at pinned times (UTC):

    2 Mar 09:00 pm creates it; 3 Mar 12:00 pm updates the charter; 4 Mar 23:30 ds uploads the gate's artifacts;
    5 Mar 10:00 pm requests the gate review; 6 Mar 08:00 pm adds a checklist activity.
    """
    with time_machine.travel(at(2, 9), tick=False):
        project = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-007")
    with time_machine.travel(at(3), tick=False):
        services.charter_update(
            actor=people["pm"], project=project, base_version=1, changes={"objective": "Cut churn by 5%"}
        )
    with time_machine.travel(at(4, 23, 30), tick=False):
        provide_required_artifacts(project, people["ds"])
    with time_machine.travel(at(5, 10), tick=False):
        services.gate_review_request(actor=people["pm"], project=project)
    with time_machine.travel(at(6, 8), tick=False):
        services.activity_add(actor=people["pm"], project=project, phase="charter", name="Interview call-centre")
    return project


def _page(client, user, project, **params):
    client.force_login(user)
    return client.get(reverse("project-history", args=[project.pk]), params)


def _actions(response) -> list[str]:
    return [record.action for record in response.context["records"]]


UPLOADS = 5  # the charter phase's required artifacts, one version each


def test_rows_read_as_labels_with_the_code_beside_them(client, people, story):
    response = _page(client, people["ds"], story)
    html = response.content.decode()
    assert _actions(response) == [
        "activity.add",
        "gate.request",
        *["artifact.add_version"] * UPLOADS,
        "charter.update",
        "project.create",
    ]
    for label, code in [
        ("added a checklist activity", "activity.add"),
        ("requested a gate review", "gate.request"),
        ("uploaded a new version of an artifact", "artifact.add_version"),
        ("updated the charter", "charter.update"),
        ("created the project", "project.create"),
    ]:
        assert f'<span class="small">{label}</span>' in html
        assert f'title="Audit action">{code}</div>' in html
    assert "<code" not in html


@pytest.mark.parametrize(
    "action",
    [
        "project.update",
        "charter.update",
        "activity.done",
        "raci.update",
        "artifact.waive",
        "gate_rule.update",
        "risk.add",
        "deployment.alert_acknowledged",
        "mlflow.experiment_linked",
        "membership.grant",
    ],
)
def test_the_label_of_each_kind_shows(client, people, project, action):
    # Written as such (no service runs): the page shows whatever the trail holds. project.create is the fixture's.
    audit_write(actor=people["pm"], action=action, target=project, project=project)
    response = _page(client, people["ds"], project, kind=audit_entry(action).kind)
    assert _actions(response) == ([action, "project.create"] if action == "project.update" else [action])
    assert f'<span class="small">{escape(AUDIT_CATALOG[action].label)}</span>' in response.content.decode()


def test_an_unknown_action_shows_as_its_code_under_other(client, people, project):
    audit_write(actor=people["pm"], action="quantum.entangle", target=project, project=project)
    response = _page(client, people["ds"], project, kind="other")
    assert _actions(response) == ["quantum.entangle"]
    html = response.content.decode()
    assert '<span class="small">quantum.entangle</span>' in html
    assert 'title="Audit action">quantum.entangle' not in html  # not said twice


def test_every_kind_is_offered_and_each_kind_narrows(client, people, story):
    response = _page(client, people["ds"], story)
    html = response.content.decode()
    for value, label in AuditKind.choices:
        assert f'<option value="{value}">{label}</option>' in html
    expected = {
        "project": ["project.create"],
        "charter": ["charter.update"],
        "checklist": ["activity.add"],
        "artifacts": ["artifact.add_version"] * UPLOADS,
        "gates": ["gate.request"],
        "raci": [],
        "other": [],
    }
    for kind, actions in expected.items():
        assert _actions(_page(client, people["ds"], story, kind=kind)) == actions, kind


def test_filter_by_person_offers_the_projects_people_only(client, people, story):
    response = _page(client, people["pm"], story, actor=people["ds"].pk)
    assert _actions(response) == ["artifact.add_version"] * UPLOADS
    html = response.content.decode()
    assert f'<option value="{people["ds"].pk}" selected>ds</option>' in html
    assert f'<option value="{people["exec"].pk}">exec</option>' in html  # a member who has not acted yet
    assert "outsider" not in html
    assert _actions(_page(client, people["pm"], story, actor=people["pm"].pk)) == [
        "activity.add",
        "gate.request",
        "charter.update",
        "project.create",
    ]


@pytest.mark.parametrize("who", ["outsider", "missing"])
def test_a_person_from_elsewhere_lists_nothing(client, people, story, who):
    user_id = people["outsider"].pk if who == "outsider" else 999_999
    response = _page(client, people["pm"], story, actor=user_id)
    assert response.status_code == 200
    assert _actions(response) == []
    assert "Nothing recorded matches these filters." in response.content.decode()


def test_dates_are_inclusive_days(client, people, story):
    assert _actions(_page(client, people["pm"], story, since="2026-03-03", until="2026-03-05")) == [
        "gate.request",
        *["artifact.add_version"] * UPLOADS,
        "charter.update",
    ]
    response = _page(client, people["pm"], story, since="2026-03-06")
    assert _actions(response) == ["activity.add"]
    assert 'name="since" id="id_since" value="2026-03-06"' in response.content.decode()
    assert _actions(_page(client, people["pm"], story, until="2026-03-02")) == ["project.create"]
    assert _actions(_page(client, people["pm"], story, since="2026-03-05", until="2026-03-04")) == []


def test_dates_are_days_of_the_site_time_zone(client, people, story, settings):
    settings.TIME_ZONE = "Europe/Paris"  # the uploads at 23:30 UTC on 4 March are 00:30 on 5 March in Paris
    response = _page(client, people["pm"], story, since="2026-03-05", until="2026-03-05")
    assert _actions(response) == ["gate.request", *["artifact.add_version"] * UPLOADS]


def test_filters_combine(client, people, story):
    response = _page(client, people["pm"], story, kind="gates", actor=people["pm"].pk, since="2026-03-05")
    assert _actions(response) == ["gate.request"]
    assert _actions(_page(client, people["pm"], story, kind="artifacts", actor=people["pm"].pk)) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-02-30"}, "since"),
        ({"until": "yesterday"}, "until"),
        ({"since": "9" * 300}, "since"),
        ({"kind": "gossip"}, "kind"),
        ({"actor": "bob"}, "actor"),
        ({"actor": "99999999999999999999999"}, "actor"),
    ],
)
def test_bad_filters_show_a_message_and_no_rows(client, people, story, params, field):
    response = _page(client, people["pm"], story, **params)
    assert response.status_code == 200
    assert _actions(response) == []
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Correct the filters above to see the history." in html


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_dates_at_the_ends_of_the_calendar_are_no_500(client, people, story, settings, day, zone):
    settings.TIME_ZONE = zone
    everything = len(_actions(_page(client, people["pm"], story)))
    since = _page(client, people["pm"], story, since=day)
    until = _page(client, people["pm"], story, until=day)
    assert (since.status_code, until.status_code) == (200, 200)
    assert len(_actions(since)) == (everything if day.startswith("0001") else 0)
    assert len(_actions(until)) == (0 if day.startswith("0001") else everything)


def test_pages_keep_the_filters(client, people, project, monkeypatch):
    monkeypatch.setattr("lifecycle.views.projects.HISTORY_PER_PAGE", 3)
    for number in range(7):
        services.activity_add(actor=people["pm"], project=project, phase="charter", name=f"Step {number}")
    first = _page(client, people["ds"], project, kind="checklist", actor=people["pm"].pk)
    assert _actions(first) == ["activity.add"] * 3
    html = first.content.decode()
    assert f"?kind=checklist&amp;actor={people['pm'].pk}&amp;page=2" in html
    last = _page(client, people["ds"], project, kind="checklist", actor=people["pm"].pk, page=3)
    assert _actions(last) == ["activity.add"]  # 7 additions; project.create is not a checklist change
    assert "1 of 7" not in html and "1–3 of 7" in html


def test_another_portfolios_project_is_404(client, people):
    elsewhere = PortfolioFactory(name="Elsewhere", slug="elsewhere")
    hidden = make_project(portfolio=elsewhere, owner=member(elsewhere, Role.PROJECT_MANAGER, "pm2"))
    assert _page(client, people["pm"], hidden).status_code == 404
    assert _page(client, people["pm"], hidden, kind="project").status_code == 404


def _page_queries(client, user, project) -> int:
    client.force_login(user)
    url = reverse("project-history", args=[project.pk])
    client.get(url)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"actor": user.pk, "kind": "checklist"}).status_code == 200
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_rows(client, people, portfolio):
    small = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-005")
    large = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-050")
    for project, count in ((small, 5), (large, 50)):
        for number in range(count):
            services.activity_add(actor=people["pm"], project=project, phase="charter", name=f"Step {number}")
    assert HISTORY_PER_PAGE >= 50
    assert _page_queries(client, people["pm"], small) == _page_queries(client, people["pm"], large)
