"""Charter pages: read, edit with formsets, the htmx row fragment, conflicts, versions and diffs."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from lifecycle import services
from lifecycle.models import AuditRecord, CharterVersion

pytestmark = pytest.mark.clock

SECTIONS = ("success_metrics", "data_sources", "data_dictionary", "milestones")


def form_data(base_version, rows=None, initial=None, **fields):
    """POST data of the edit form: main fields, then each section's management form and rows."""
    data = {
        "base_version": str(base_version),
        "objective": "",
        "goal_type": "",
        "goal_description": "",
        "model_users": "",
        "business_process": "",
        "acceptance_measure": "",
        "expected_benefit": "",
        "expected_cost": "",
        "note": "",
    }
    data.update(fields)
    rows, initial = rows or {}, initial or {}
    for section in SECTIONS:
        section_rows = rows.get(section, [])
        data[f"{section}-TOTAL_FORMS"] = str(len(section_rows))
        data[f"{section}-INITIAL_FORMS"] = str(initial.get(section, 0))
        data[f"{section}-MIN_NUM_FORMS"] = "0"
        data[f"{section}-MAX_NUM_FORMS"] = "1000"
        for index, row in enumerate(section_rows):
            for key, value in row.items():
                data[f"{section}-{index}-{key}"] = value
    return data


def churn_metric(**overrides):
    row = {
        "name": "Monthly churn",
        "definition": "Share of customers leaving per month",
        "baseline": "4.5",
        "target": "3",
        "unit": "%",
        "due_date": "2026-09-30",
    }
    row.update(overrides)
    return row


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def edit_url(project):
    return reverse("charter-edit", args=[project.pk])


def charter_state(project):
    project.charter.refresh_from_db()
    return (
        project.charter.version,
        project.charter.objective,
        list(project.charter.success_metrics.values_list("name", flat=True)),
        CharterVersion.objects.filter(charter=project.charter).count(),
        AuditRecord.objects.filter(project=project, action="charter.update").count(),
    )


# --- reading -------------------------------------------------------------------------------------


def test_charter_page_renders_every_section_and_sanitizes_markdown(client, project, people):
    services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=1,
        changes={
            "objective": "Cut **churn** <script>alert(1)</script>",
            "goal_type": "classification",
            "model_users": "Retention team",
            "business_process": "Weekly call list",
            "acceptance_measure": "Calls made from the list",
            "expected_benefit": Decimal("150000"),
            "expected_cost": Decimal("100000"),
            "success_metrics": [{"name": "Monthly churn", "target": Decimal("3"), "unit": "%"}],
            "data_sources": [{"name": "CRM", "is_ssot": True, "link": "https://crm.example.com/x"}],
            "data_dictionary": [{"field": "customer_id", "data_type": "string", "description": "Key"}],
            "milestones": [
                {"name": "Data access", "due_date": datetime.date(2020, 1, 1), "done": False},
                {"name": "Kick-off", "due_date": datetime.date(2020, 1, 1), "done": True},
            ],
        },
    )
    response = login(client, people["exec"]).get(reverse("charter-detail", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cut <strong>churn</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "Which category (classification)" in html
    for text in ("Monthly churn", "CRM", "SSOT", "https://crm.example.com/x", "customer_id", "Retention team"):
        assert text in html
    assert "Weekly call list" in html and "Calls made from the list" in html
    assert '<span class="badge text-bg-danger ms-1">overdue</span>' in html
    assert html.count("overdue</span>") == 1  # the done milestone is not overdue
    assert ">50.0 %<" in html  # ROI (150000 - 100000) / 100000
    assert 'data-testid="charter-version">version 2<' in html
    assert "<strong>pm</strong>" in html  # last saved by
    # the executive reads but is not offered the edit button
    assert reverse("charter-edit", args=[project.pk]) not in html
    assert reverse("charter-versions", args=[project.pk]) in html


def test_pm_sees_the_edit_link(client, project, people):
    response = login(client, people["pm"]).get(reverse("charter-detail", args=[project.pk]))
    assert reverse("charter-edit", args=[project.pk]) in response.content.decode()


@pytest.mark.parametrize("name", ["charter-detail", "charter-edit", "charter-versions", "charter-diff"])
def test_outsider_gets_404_and_anonymous_is_sent_to_login(client, project, people, name):
    url = reverse(name, args=[project.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    assert login(client, people["outsider"]).get(url).status_code == 404


# --- editing -------------------------------------------------------------------------------------


def test_edit_form_shows_current_values_and_base_version(client, project, people, edit_url):
    services.charter_update(
        actor=people["pm"], project=project, base_version=1, changes={"success_metrics": [{"name": "NPS"}]}
    )
    response = login(client, people["pm"]).get(edit_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="base_version" value="2"' in html
    assert 'name="success_metrics-0-name" value="NPS"' in html
    assert 'name="success_metrics-TOTAL_FORMS" value="1"' in html
    assert reverse("charter-row-new", args=[project.pk, "success_metrics"]) in html
    assert "js/charter.js" in html


def test_save_creates_version_2_with_the_new_row(client, project, people, edit_url):
    data = form_data(
        1,
        objective="Reduce churn",
        goal_type="classification",
        expected_benefit="1000",
        expected_cost="400",
        note="First draft",
        rows={"success_metrics": [churn_metric()], "milestones": [{"name": "Kick-off", "due_date": "2026-02-01"}]},
    )
    response = login(client, people["pm"]).post(edit_url, data)
    assert response.status_code == 302
    assert response.url == reverse("charter-detail", args=[project.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Saved as version 2."]
    charter = project.charter
    charter.refresh_from_db()
    assert (charter.version, charter.objective, charter.goal_type) == (2, "Reduce churn", "classification")
    assert (charter.expected_benefit, charter.expected_cost) == (Decimal("1000.00"), Decimal("400.00"))
    metric = charter.success_metrics.get()
    assert (metric.name, metric.baseline, metric.target, metric.unit, metric.due_date) == (
        "Monthly churn",
        Decimal("4.5"),
        Decimal("3"),
        "%",
        datetime.date(2026, 9, 30),
    )
    assert list(charter.milestones.values_list("name", "done")) == [("Kick-off", False)]
    version = CharterVersion.objects.get(charter=charter, number=2)
    assert (version.created_by, version.note) == (people["pm"], "First draft")
    assert version.content["success_metrics"][0]["target"] == "3.0000"
    assert version.content["expected_benefit"] == "1000.00"


def test_removed_and_blank_new_rows_are_dropped(client, project, people, edit_url):
    services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=1,
        changes={"data_sources": [{"name": "CRM"}, {"name": "Billing"}]},
    )
    rows = {"data_sources": [{"name": "CRM", "DELETE": "on"}, {"name": "Billing", "is_ssot": "on"}, {"name": ""}]}
    response = login(client, people["pm"]).post(edit_url, form_data(2, rows=rows, initial={"data_sources": 2}))
    assert response.status_code == 302
    assert list(project.charter.data_sources.values_list("name", "is_ssot")) == [("Billing", True)]


def test_unchanged_save_creates_no_version(client, project, people, edit_url):
    response = login(client, people["pm"]).post(edit_url, form_data(1))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Nothing changed: the charter stays at version 1."]
    assert charter_state(project) == (1, "", [], 1, 0)


def test_invalid_rows_keep_everything_typed(client, project, people, edit_url):
    rows = {
        "success_metrics": [churn_metric(), churn_metric(name="", target="not a number")],
        "data_sources": [{"name": "CRM", "link": "not a url"}],
    }
    data = form_data(1, objective="Typed objective", expected_cost="-5", rows=rows)
    response = login(client, people["pm"]).post(edit_url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Typed objective" in html
    assert 'name="success_metrics-0-name" value="Monthly churn"' in html
    assert 'name="success_metrics-1-target" value="not a number"' in html
    assert 'name="data_sources-0-link" value="not a url"' in html
    assert "This field is required." in html
    assert "Enter a number." in html
    assert "Enter a valid URL." in html
    assert 'name="success_metrics-TOTAL_FORMS" value="2"' in html
    assert charter_state(project) == (1, "", [], 1, 0)


def test_tampered_management_form_and_missing_base_version_are_400_not_500(client, project, people, edit_url):
    data = form_data(1, objective="Kept")
    del data["milestones-TOTAL_FORMS"]
    response = login(client, people["pm"]).post(edit_url, data)
    assert response.status_code == 400
    assert "ManagementForm data is missing or has been tampered with" in response.content.decode()
    data = form_data(1, objective="Kept")
    del data["base_version"]
    response = client.post(edit_url, data)
    assert response.status_code == 400
    assert "Kept</textarea>" in response.content.decode()
    assert charter_state(project) == (1, "", [], 1, 0)


def test_service_validation_is_shown_on_the_form(client, project, people, edit_url):
    response = login(client, people["pm"]).post(edit_url, form_data(1, objective="x", expected_cost="-5"))
    assert response.status_code == 400
    assert "Cannot be negative." in response.content.decode()
    assert charter_state(project) == (1, "", [], 1, 0)


def test_stale_save_shows_the_conflict_view_and_changes_nothing(client, project, people, edit_url):
    other_pm = people["pm"]
    services.charter_update(
        actor=other_pm,
        project=project,
        base_version=1,
        changes={"objective": "Theirs\nshared line", "success_metrics": [{"name": "NPS"}]},
        note="Their edit",
    )
    before = charter_state(project)
    data = form_data(1, objective="Mine\nshared line", rows={"success_metrics": [churn_metric()]}, note="My edit")
    response = login(client, people["pm"]).post(edit_url, data)
    assert response.status_code == 409
    assert charter_state(project) == before
    html = response.content.decode()
    assert 'data-testid="charter-conflict"' in html
    assert "Saved: version 2" in html and "Yours (not saved yet)" in html
    assert "Their edit" in html
    # field by field, theirs beside mine, the difference highlighted
    assert 'data-changed="objective"' in html
    assert ">Theirs<" in html and ">Mine<" in html
    assert html.count('data-row-status="changed"') == 1  # NPS (theirs) paired with Monthly churn (mine)
    # my input is kept in a form re-based on the current version
    assert 'name="base_version" value="2"' in html
    assert 'name="success_metrics-0-name" value="Monthly churn"' in html
    assert "Mine\nshared line</textarea>" in html
    assert 'name="note" value="My edit"' in html

    # re-applying from the conflict form saves on top of version 2
    data["base_version"] = "2"
    response = client.post(edit_url, data)
    assert response.status_code == 302
    assert charter_state(project)[:3] == (3, "Mine\nshared line", ["Monthly churn"])


@pytest.mark.parametrize("role", ["exec", "ds"])
def test_read_only_roles_cannot_edit(client, project, people, edit_url, role):
    login(client, people[role])
    response = client.get(edit_url)
    assert response.status_code == 302
    assert response.url == reverse("charter-detail", args=[project.pk])
    response = client.post(edit_url, form_data(1, objective="Hijack"))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == (
        "Only the portfolio's program or project managers can edit this charter."
    )
    assert charter_state(project) == (1, "", [], 1, 0)


# --- the htmx row fragment -----------------------------------------------------------------------


def test_row_fragment_has_the_next_prefix_index(client, project, people):
    url = reverse("charter-row-new", args=[project.pk, "success_metrics"])
    response = login(client, people["pm"]).get(url, {"success_metrics-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<tr data-formset-row")
    for field in ("name", "definition", "baseline", "target", "unit", "due_date", "DELETE"):
        assert f'name="success_metrics-3-{field}"' in html
    assert "__prefix__" not in html
    assert "<html" not in html


def test_row_fragment_for_each_section_and_refusals(client, project, people):
    login(client, people["pm"])
    html = client.get(reverse("charter-row-new", args=[project.pk, "data_sources"]), {"index": "0"}).content.decode()
    assert 'name="data_sources-0-is_ssot"' in html and 'type="checkbox"' in html
    assert client.get(reverse("charter-row-new", args=[project.pk, "nope"])).status_code == 404
    bad = client.get(reverse("charter-row-new", args=[project.pk, "milestones"]), {"index": "x"})
    assert bad.status_code == 400
    login(client, people["ds"])
    assert client.get(reverse("charter-row-new", args=[project.pk, "milestones"])).status_code == 403
    login(client, people["outsider"])
    assert client.get(reverse("charter-row-new", args=[project.pk, "milestones"])).status_code == 404


# --- versions and diff ---------------------------------------------------------------------------


@pytest.fixture
def three_versions(project, people):
    services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=1,
        changes={"objective": "Line A\nLine B", "success_metrics": [{"name": "Churn"}, {"name": "NPS"}]},
        note="Draft",
    )
    services.charter_update(
        actor=people["pm"],
        project=project,
        base_version=2,
        changes={
            "objective": "Line A\nLine B2",
            "success_metrics": [{"name": "Churn", "target": Decimal("3")}, {"name": "DAU"}, {"name": "CSAT"}],
        },
        note="Review",
    )
    return project


def test_versions_page_lists_versions_with_compare_links(client, three_versions, people):
    project = three_versions
    response = login(client, people["ds"]).get(reverse("charter-versions", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert [v for v in (3, 2, 1) if f'data-version="{v}"' in html] == [3, 2, 1]
    assert "Draft" in html and "Review" in html and "Created with the project" in html
    diff_url = reverse("charter-diff", args=[project.pk])
    assert f"{diff_url}?from=2&amp;to=3" in html
    assert f"{diff_url}?from=1&amp;to=3" in html


def test_diff_defaults_to_previous_against_current(client, three_versions, people):
    response = login(client, people["exec"]).get(reverse("charter-diff", args=[three_versions.pk]))
    assert response.status_code == 200
    assert (response.context["old"].number, response.context["new"].number) == (2, 3)
    html = response.content.decode()
    assert "Version 2" in html and "Version 3" in html
    assert 'data-changed="objective"' in html
    assert "Line B2" in html
    statuses = [row.status for row in response.context["comparison"].sections[0].rows]
    assert statuses == ["changed", "changed", "added"]  # Churn target, NPS -> DAU, CSAT
    assert html.count('data-row-status="added"') == 1


def test_diff_between_chosen_versions(client, three_versions, people):
    response = login(client, people["pm"]).get(
        reverse("charter-diff", args=[three_versions.pk]), {"from": "1", "to": "2"}
    )
    assert response.status_code == 200
    assert [row.status for row in response.context["comparison"].sections[0].rows] == ["added", "added"]


@pytest.mark.parametrize("query", [{"from": "9"}, {"to": "0"}, {"from": "abc"}, {"to": "1.5"}])
def test_diff_with_bad_versions_is_404(client, three_versions, people, query):
    response = login(client, people["pm"]).get(reverse("charter-diff", args=[three_versions.pk]), query)
    assert response.status_code == 404


def test_diff_with_a_single_version_says_so(client, project, people):
    response = login(client, people["pm"]).get(reverse("charter-diff", args=[project.pk]))
    assert response.status_code == 200
    assert "the charter has only one version so far" in response.content.decode()
