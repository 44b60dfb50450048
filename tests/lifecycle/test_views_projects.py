"""Project pages: list, create, edit, detail, resume and history, for every role."""

import datetime

import pytest
from django.urls import reverse

from lifecycle.choices import Phase, ProjectState
from lifecycle.models import AuditRecord, PhaseTransition, Project
from portfolio.choices import Role
from portfolio.models import Membership
from tests.factories import PortfolioFactory, make_project, member

pytestmark = pytest.mark.django_db

MEMBERS = ["pm", "exec", "ds", "architect", "product"]


def _as(client, user):
    client.force_login(user)
    return client


def _create_payload(portfolio, people, **overrides):
    payload = {
        "code": "aml-777",
        "name": "Fraud scoring",
        "portfolio": str(portfolio.pk),
        "owner": str(people["pm"].pk),
        "sponsor": str(people["exec"].pk),
        "risk_tier": "high",
        "ideation_date": "2026-02-01",
        "start_date": "2026-03-01",
        "target_end_date": "2026-12-31",
        "business_unit": "",
        "strategic_goal": "",
    }
    payload.update(overrides)
    return payload


def _put_on_hold(project):
    # No service puts a project on hold outside a no-go decision; the state is set directly for the page.
    Project.objects.filter(pk=project.pk).update(state=ProjectState.ON_HOLD)
    project.refresh_from_db()


# --- access ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["project-detail", "project-history"])
@pytest.mark.parametrize("who", MEMBERS)
def test_member_pages_render(client, people, project, name, who):
    response = _as(client, people[who]).get(reverse(name, args=[project.pk]))
    assert response.status_code == 200
    assert "AML-001" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["project-detail", "project-history", "project-edit", "project-checklist", "project-raci", "project-artifacts"],
)
def test_outsider_gets_404(client, people, project, name):
    response = _as(client, people["outsider"]).get(reverse(name, args=[project.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        lambda p: reverse("project-list"),
        lambda p: reverse("project-create"),
        lambda p: reverse("project-detail", args=[p.pk]),
        lambda p: reverse("project-history", args=[p.pk]),
        lambda p: reverse("project-edit", args=[p.pk]),
    ],
)
def test_anonymous_is_sent_to_login(client, project, url):
    target = url(project)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={target}"


def test_unknown_project_is_404(client, people):
    assert _as(client, people["pm"]).get(reverse("project-detail", args=[999999])).status_code == 404


def test_home_sends_a_manager_to_my_projects(client, people):
    response = _as(client, people["pm"]).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("home-manager")


def test_login_page_renders_and_signs_in(client, people):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "pm", "password": "pw"})
    assert response.status_code == 302
    assert client.get(reverse("project-list")).status_code == 200


def test_layout_loads_vendored_assets_without_inline_script(client, people, project):
    html = _as(client, people["pm"]).get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "/static/vendor/bootstrap/5.3.9/css/bootstrap.min.css" in html
    assert "/static/vendor/htmx/2.0.11/htmx.min.js" in html
    assert "<script>" not in html and "onclick" not in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert f'action="{reverse("logout")}"' in html


# --- list ----------------------------------------------------------------------------------------------


def test_list_shows_only_visible_projects(client, people, project):
    other = make_project(portfolio=PortfolioFactory(name="AI Platform", slug="aip"), code="AIP-001")
    html = _as(client, people["ds"]).get(reverse("project-list")).content.decode()
    assert "AML-001" in html
    assert other.code not in html
    assert "AI Platform" not in html  # nor its portfolio in the filter choices


def test_list_search_and_filters(client, people, portfolio):
    make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-010", name="Churn radar")
    make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-011", name="Demand sensing")
    Project.objects.filter(code="AML-011").update(phase=Phase.MODELING)
    client = _as(client, people["pm"])
    html = client.get(reverse("project-list"), {"q": "churn"}).content.decode()
    assert "AML-010" in html and "AML-011" not in html
    html = client.get(reverse("project-list"), {"phase": "modeling"}).content.decode()
    assert "AML-011" in html and "AML-010" not in html


def test_list_bad_filter_values_do_not_fail(client, people, project):
    response = _as(client, people["pm"]).get(
        reverse("project-list"), {"portfolio": "abc", "phase": "nope", "owner": "-1", "page": "zzz", "ordering": "x"}
    )
    assert response.status_code == 200


def test_list_paginates_by_fifty(client, people, portfolio):
    for number in range(51):
        make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code=f"AML-{number:03d}")
    client = _as(client, people["pm"])
    first = client.get(reverse("project-list")).content.decode()
    assert "AML-049" in first and "AML-050" not in first
    assert "1–50 of 51" in first
    second = client.get(reverse("project-list"), {"page": 2}).content.decode()
    assert "AML-050" in second and "AML-049" not in second


@pytest.mark.parametrize(("who", "shown"), [("pm", True), ("exec", False), ("ds", False), ("outsider", True)])
def test_new_project_button_for_managers_only(client, people, project, who, shown):
    # The outsider is a project manager in another portfolio: they may create projects there.
    html = _as(client, people[who]).get(reverse("project-list")).content.decode()
    assert (reverse("project-create") in html) is shown


# --- create ---------------------------------------------------------------------------------------------


def test_pm_creates_project(client, people, portfolio):
    response = _as(client, people["pm"]).post(reverse("project-create"), _create_payload(portfolio, people))
    project = Project.objects.get(code="AML-777")
    assert response.status_code == 302
    assert response["Location"] == reverse("project-detail", args=[project.pk])
    assert (project.name, project.owner, project.sponsor, project.risk_tier) == (
        "Fraud scoring",
        people["pm"],
        people["exec"],
        "high",
    )
    assert project.phase == Phase.CHARTER
    assert project.target_end_date == datetime.date(2026, 12, 31)


def test_create_form_offers_only_the_portfolios_managers_and_executives(client, people, portfolio):
    html = _as(client, people["pm"]).get(reverse("project-create")).content.decode()
    owner_select = html.split('name="owner"')[1].split("</select>")[0]
    sponsor_select = html.split('name="sponsor"')[1].split("</select>")[0]
    assert ">pm<" in owner_select and ">exec<" not in owner_select and ">ds<" not in owner_select
    assert ">exec<" in sponsor_select and ">pm<" not in sponsor_select
    assert ">outsider<" not in html


@pytest.mark.parametrize("who", ["exec", "ds", "architect"])
def test_non_managers_cannot_create(client, people, portfolio, who):
    client = _as(client, people[who])
    assert client.get(reverse("project-create")).status_code == 302
    response = client.post(reverse("project-create"), _create_payload(portfolio, people))
    assert response.status_code == 302
    assert not Project.objects.filter(code="AML-777").exists()


def test_outsider_cannot_create_in_a_portfolio_they_do_not_manage(client, people, portfolio):
    response = _as(client, people["outsider"]).post(reverse("project-create"), _create_payload(portfolio, people))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Project.objects.filter(code="AML-777").exists()


def test_create_shows_domain_errors_on_the_form(client, people, portfolio, project):
    client = _as(client, people["pm"])
    taken = client.post(reverse("project-create"), _create_payload(portfolio, people, code="aml-001"))
    assert taken.status_code == 200
    assert "The code AML-001 is already taken." in taken.content.decode()
    dates = client.post(reverse("project-create"), _create_payload(portfolio, people, start_date="2026-01-01"))
    assert "The start date cannot be before the ideation date." in dates.content.decode()
    assert Project.objects.count() == 1


def test_create_with_missing_and_garbage_fields_is_a_form_error(client, people, portfolio):
    client = _as(client, people["pm"])
    response = client.post(reverse("project-create"), {"code": "", "owner": "x", "ideation_date": "yesterday"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Project.objects.count() == 0


def test_create_refreshes_people_for_the_chosen_portfolio(client, people, portfolio):
    second = PortfolioFactory(name="Demand Intelligence", slug="di")
    Membership.objects.create(user=people["pm"], portfolio=second, role=Role.PROJECT_MANAGER)
    member(second, Role.EXECUTIVE_LEADER, "di-exec")
    response = _as(client, people["pm"]).get(reverse("project-create"), {"portfolio": second.pk})
    html = response.content.decode()
    sponsor_select = html.split('name="sponsor"')[1].split("</select>")[0]
    assert ">di-exec<" in sponsor_select and ">exec<" not in sponsor_select


# --- edit -----------------------------------------------------------------------------------------------


def _edit_payload(project, **overrides):
    payload = {
        "name": project.name,
        "owner": str(project.owner_id),
        "sponsor": str(project.sponsor_id),
        "risk_tier": project.risk_tier,
        "overall_rag": project.overall_rag,
        "ideation_date": project.ideation_date.isoformat(),
        "start_date": "",
        "target_end_date": "",
        "business_unit": "",
        "strategic_goal": "",
        "reason": "",
    }
    payload.update(overrides)
    return payload


def test_pm_edits_project_with_reason(client, people, project):
    response = _as(client, people["pm"]).post(
        reverse("project-edit", args=[project.pk]),
        _edit_payload(project, name="Churn v2", overall_rag="red", reason="Scope cut"),
    )
    assert response.status_code == 302
    project.refresh_from_db()
    # The overall RAG is computed: a posted value is not an edit (a manager overrides it on the status page).
    assert (project.name, project.overall_rag) == ("Churn v2", "not_assessed")
    record = AuditRecord.objects.get(action="project.update")
    assert record.after == {"name": "Churn v2"}
    assert record.reason == "Scope cut"


@pytest.mark.parametrize("who", ["exec", "ds", "architect", "product"])
def test_non_managers_cannot_edit(client, people, project, who):
    client = _as(client, people[who])
    assert client.get(reverse("project-edit", args=[project.pk])).status_code == 302
    response = client.post(reverse("project-edit", args=[project.pk]), _edit_payload(project, name="Hijacked"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Churn prediction"
    assert not AuditRecord.objects.filter(action="project.update").exists()


def test_edit_refuses_a_sponsor_who_is_not_an_executive(client, people, project):
    response = _as(client, people["pm"]).post(
        reverse("project-edit", args=[project.pk]), _edit_payload(project, sponsor=str(people["ds"].pk))
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    project.refresh_from_db()
    assert project.sponsor == people["exec"]


def test_edit_with_dates_out_of_order_shows_the_error(client, people, project):
    response = _as(client, people["pm"]).post(
        reverse("project-edit", args=[project.pk]), _edit_payload(project, target_end_date="2025-01-01")
    )
    assert response.status_code == 200
    assert "The target end date cannot be before the start (or ideation) date." in response.content.decode()
    project.refresh_from_db()
    assert project.target_end_date is None


# --- detail ---------------------------------------------------------------------------------------------


def test_detail_shows_phase_checklist_artifacts_and_timeline(client, people, project):
    html = _as(client, people["pm"]).get(reverse("project-detail", args=[project.pk])).content.decode()
    assert "Charter approval" in html
    assert "Define the objective" in html
    assert "0 / 8 done" in html
    assert "Project charter" in html and "Missing" in html
    assert "Created in <strong>Charter</strong>" in html
    assert reverse("charter-detail", args=[project.pk]) in html
    assert reverse("project-raci", args=[project.pk]) in html


@pytest.mark.parametrize(("who", "shown"), [("pm", True), ("exec", False), ("ds", False), ("architect", False)])
def test_request_gate_button_for_managers(client, people, project, who, shown):
    html = _as(client, people[who]).get(reverse("project-detail", args=[project.pk])).content.decode()
    assert (reverse("gate-request", args=[project.pk]) in html) is shown


def test_open_review_links_to_its_page(client, people, project):
    from lifecycle import services
    from tests.factories import provide_required_artifacts

    provide_required_artifacts(project, people["pm"])
    review = services.gate_review_request(actor=people["pm"], project=project)
    html = _as(client, people["pm"]).get(reverse("project-detail", args=[project.pk])).content.decode()
    assert reverse("gate-review-detail", args=[review.pk]) in html
    assert reverse("gate-request", args=[project.pk]) not in html
    assert "Missing" not in html


# --- resume ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "shown"), [("exec", True), ("pm", False), ("ds", False)])
def test_resume_button_for_executives_on_hold(client, people, project, who, shown):
    _put_on_hold(project)
    html = _as(client, people[who]).get(reverse("project-detail", args=[project.pk])).content.decode()
    assert (reverse("project-resume", args=[project.pk]) in html) is shown


def test_executive_resumes(client, people, project):
    _put_on_hold(project)
    response = _as(client, people["exec"]).post(reverse("project-resume", args=[project.pk]), {"reason": "Funded"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == ProjectState.ACTIVE
    assert PhaseTransition.objects.filter(project=project, reason="Funded").count() == 1


@pytest.mark.parametrize("who", ["pm", "ds", "architect"])
def test_others_cannot_resume(client, people, project, who):
    _put_on_hold(project)
    _as(client, people[who]).post(reverse("project-resume", args=[project.pk]), {"reason": "Please"})
    project.refresh_from_db()
    assert project.state == ProjectState.ON_HOLD
    assert not AuditRecord.objects.filter(action="project.resume").exists()


def test_resume_without_reason_or_when_active_changes_nothing(client, people, project):
    client = _as(client, people["exec"])
    client.post(reverse("project-resume", args=[project.pk]), {"reason": "Why not"})  # active: refused
    _put_on_hold(project)
    client.post(reverse("project-resume", args=[project.pk]), {})
    project.refresh_from_db()
    assert project.state == ProjectState.ON_HOLD
    assert not AuditRecord.objects.filter(action="project.resume").exists()


def test_resume_is_post_only_and_404_for_outsiders(client, people, project):
    assert _as(client, people["exec"]).get(reverse("project-resume", args=[project.pk])).status_code == 405
    _put_on_hold(project)
    assert (
        _as(client, people["outsider"]).post(reverse("project-resume", args=[project.pk]), {"reason": "x"}).status_code
        == 404
    )
    project.refresh_from_db()
    assert project.state == ProjectState.ON_HOLD


# --- history --------------------------------------------------------------------------------------------


def test_history_shows_who_what_before_after_and_why(client, people, project):
    from lifecycle import services

    services.project_update(
        actor=people["pm"], project=project, changes={"name": "Churn v2"}, reason="Renamed by board"
    )
    html = _as(client, people["ds"]).get(reverse("project-history", args=[project.pk])).content.decode()
    assert "project.update" in html
    assert '<span class="sg-before">Churn prediction</span>' in html
    assert '<span class="sg-after">Churn v2</span>' in html
    assert "Renamed by board" in html
    assert "project.create" in html
