"""RACI grid page: the whole grid is posted; errors are shown per activity with the input kept."""

import pytest
from django.urls import reverse

from lifecycle.models import AuditRecord, RaciAssignment

pytestmark = pytest.mark.django_db


def _as(client, user):
    client.force_login(user)
    return client


def _stored(project):
    return sorted(
        RaciAssignment.objects.filter(activity__project=project).values_list("activity_id", "user_id", "role")
    )


def _grid_payload(project, people):
    """The form as the page sends it: one cell per activity and member, the stored role or empty."""
    stored = {(a, u): r for a, u, r in _stored(project)}
    payload = {}
    for activity_id in project.activities.values_list("id", flat=True):
        for user in people.values():
            if user.username != "outsider":
                payload[f"cell-{activity_id}-{user.pk}"] = stored.get((activity_id, user.pk), "")
    return payload


@pytest.mark.parametrize("who", ["pm", "exec", "ds", "architect", "product"])
def test_grid_renders_for_members(client, people, project, who):
    html = _as(client, people[who]).get(reverse("project-raci", args=[project.pk])).content.decode()
    assert "Define the objective" in html
    assert "Data scientist" in html  # column header carries the person's role
    assert ("Save RACI" in html) is (who == "pm")
    assert ("<select" in html) is (who == "pm")


def test_grid_404_for_outsider_and_login_for_anonymous(client, people, project):
    url = reverse("project-raci", args=[project.pk])
    assert client.get(url).status_code == 302
    assert _as(client, people["outsider"]).get(url).status_code == 404
    assert client.post(url, _grid_payload(project, people)).status_code == 404


def test_pm_saves_the_grid(client, people, project):
    gate = project.activities.get(phase="charter", is_gate=True)
    payload = _grid_payload(project, people)
    payload[f"cell-{gate.pk}-{people['ds'].pk}"] = "C"
    payload[f"cell-{gate.pk}-{people['architect'].pk}"] = "i"  # lower case is accepted
    payload["reason"] = "Reviewers named"
    response = _as(client, people["pm"]).post(reverse("project-raci", args=[project.pk]), payload)
    assert response.status_code == 302
    roles = dict(RaciAssignment.objects.filter(activity=gate).values_list("user__username", "role"))
    assert roles == {"pm": "R", "exec": "A", "ds": "C", "architect": "I"}
    assert AuditRecord.objects.get(action="raci.update").reason == "Reviewers named"


def test_errors_are_shown_per_activity_and_input_is_kept(client, people, project):
    first = project.activities.get(name="Define the objective")
    second = project.activities.get(name="Set milestones")
    before = _stored(project)
    payload = _grid_payload(project, people)
    payload[f"cell-{first.pk}-{people['exec'].pk}"] = ""  # no Accountable left
    payload[f"cell-{first.pk}-{people['ds'].pk}"] = "C"  # typed by the user: must survive
    payload[f"cell-{second.pk}-{people['pm'].pk}"] = "I"  # no Responsible left
    response = _as(client, people["pm"]).post(reverse("project-raci", args=[project.pk]), payload)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved." in html
    assert "This activity needs exactly one Accountable person." in html
    assert "This activity needs at least one Responsible person." in html
    assert html.count('class="sg-raci-error"') == 2
    kept = html.split(f'name="cell-{first.pk}-{people["ds"].pk}"')[1].split("</select>")[0]
    assert '<option value="C" title="Consulted" selected>' in kept
    assert _stored(project) == before


def test_two_accountables_are_refused(client, people, project):
    activity = project.activities.get(name="Set milestones")
    before = _stored(project)
    payload = _grid_payload(project, people)
    payload[f"cell-{activity.pk}-{people['ds'].pk}"] = "A"
    html = _as(client, people["pm"]).post(reverse("project-raci", args=[project.pk]), payload).content.decode()
    assert "This activity has 2 Accountable people; keep exactly one." in html
    assert _stored(project) == before


def test_garbage_values_are_refused_not_a_500(client, people, project):
    activity = project.activities.get(name="Set milestones")
    before = _stored(project)
    payload = _grid_payload(project, people)
    payload[f"cell-{activity.pk}-{people['ds'].pk}"] = "Z"
    payload["cell-abc-def"] = "R"
    payload[f"cell-999999-{people['ds'].pk}"] = "R"
    response = _as(client, people["pm"]).post(reverse("project-raci", args=[project.pk]), payload)
    assert response.status_code == 200
    assert "&#x27;Z&#x27; is not one of R, A, C, I." in response.content.decode()
    assert _stored(project) == before


@pytest.mark.parametrize("who", ["exec", "ds", "architect", "product"])
def test_non_managers_cannot_save(client, people, project, who):
    before = _stored(project)
    payload = _grid_payload(project, people)
    gate = project.activities.get(phase="charter", is_gate=True)
    payload[f"cell-{gate.pk}-{people[who].pk}"] = "C"
    response = _as(client, people[who]).post(reverse("project-raci", args=[project.pk]), payload, follow=True)
    assert "can edit the RACI" in response.content.decode()
    assert _stored(project) == before
    assert not AuditRecord.objects.filter(action="raci.update").exists()
