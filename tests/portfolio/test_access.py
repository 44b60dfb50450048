"""Every permission rule of portfolio.access, by role: the one table that pages, API and services all read."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from portfolio import access
from portfolio.choices import Role
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db

ROLES = ["pm", "exec", "ds", "architect", "product", "outsider", "superuser", "anonymous"]


@pytest.fixture
def everyone(people):
    return {**people, "superuser": UserFactory(username="root", is_superuser=True), "anonymous": AnonymousUser()}


def allowed(everyone, rule) -> set[str]:
    return {name for name in ROLES if rule(everyone[name])}


def test_managing_the_portfolio_and_its_projects(everyone, project):
    managers = {"pm", "superuser"}
    assert allowed(everyone, lambda user: access.can_manage_portfolio(user, project.portfolio_id)) == managers
    assert allowed(everyone, lambda user: access.can_edit_project(user, project)) == managers
    assert allowed(everyone, lambda user: access.can_manage_gate_rules(user, project.portfolio_id)) == managers


def test_mlflow_links_deployed_models_and_evidence(everyone, project):
    assert allowed(everyone, lambda user: access.can_link_mlflow(user, project)) == {"pm", "ds", "superuser"}
    assert allowed(everyone, lambda user: access.can_manage_deployments(user, project)) == {"pm", "ds", "superuser"}
    contributors = allowed(everyone, lambda user: access.can_contribute_artifacts(user, project))
    assert allowed(everyone, lambda user: access.can_attach_evidence(user, project)) == contributors
    assert {"pm", "ds", "architect", "superuser"} <= contributors
    assert not contributors & {"outsider", "anonymous", "exec"}


def test_an_alert_is_handled_by_its_owner_or_a_manager(everyone, project):
    alert = SimpleNamespace(owner_id=everyone["ds"].pk)
    assert allowed(everyone, lambda user: access.can_handle_alert(user, alert, project)) == {"ds", "pm", "superuser"}


def test_product_data_is_written_by_managers_and_product_managers(everyone, project):
    assert allowed(everyone, lambda user: access.can_write_product_data(user, project)) == {
        "pm",
        "product",
        "superuser",
    }


def test_time_is_logged_by_oneself_on_own_portfolios_or_by_a_manager_for_anyone(everyone, project):
    ds = everyone["ds"]
    assert allowed(everyone, lambda user: access.can_log_time(user, ds, project)) == {"pm", "ds", "superuser"}
    assert not access.can_log_time(everyone["architect"], ds, project)  # a member, but not for someone else
    members = {"pm", "exec", "ds", "architect", "product", "superuser"}
    assert allowed(everyone, lambda user: access.can_log_time_on(user, project)) == members


def test_a_manager_plans_the_time_of_the_people_of_their_portfolios(everyone, portfolio):
    stranger = member(everyone["outsider"].memberships.get().portfolio, Role.DATA_SCIENTIST, "stranger")
    assert access.manages_person(everyone["pm"], everyone["ds"])
    assert not access.manages_person(everyone["pm"], stranger)
    assert not access.manages_person(everyone["ds"], everyone["architect"])
    assert access.manages_person(everyone["superuser"], stranger)
    assert not access.manages_person(everyone["anonymous"], stranger)


def test_a_team_is_written_by_managers_and_by_members_who_still_belong_to_the_portfolio(everyone, portfolio):
    from metrics.scrum.models import Team

    team = Team.objects.create(portfolio=portfolio, name="Blue")
    team.members.add(everyone["ds"], everyone["outsider"])
    assert allowed(everyone, lambda user: access.can_write_team(user, team)) == {"pm", "ds", "superuser"}
