"""Checklist page: add, rename, mark done and remove, with htmx partials and plain redirects."""

import pytest
from django.urls import reverse

from lifecycle.choices import Phase
from lifecycle.models import Activity, AuditRecord

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _as(client, user):
    client.force_login(user)
    return client


def _first(project, phase=Phase.CHARTER, gate=False):
    return project.activities.filter(phase=phase, is_gate=gate).order_by("position").first()


def _state(project):
    return list(project.activities.order_by("id").values_list("id", "name", "done", "phase"))


@pytest.mark.parametrize("who", ["pm", "exec", "ds", "architect", "product"])
def test_checklist_renders_for_members(client, people, project, who):
    html = _as(client, people[who]).get(reverse("project-checklist", args=[project.pk])).content.decode()
    assert "Define the objective" in html
    assert "Gate review: Charter approval" in html
    assert ("Add an activity" in html) is (who == "pm")


def test_checklist_404_for_outsider_and_login_for_anonymous(client, people, project):
    url = reverse("project-checklist", args=[project.pk])
    assert client.get(url).status_code == 302
    assert _as(client, people["outsider"]).get(url).status_code == 404


def test_add_with_htmx_returns_the_new_row(client, people, project):
    response = _as(client, people["pm"]).post(
        reverse("activity-add", args=[project.pk]), {"phase": "exploration", "name": "Check consent"}, **HTMX
    )
    activity = Activity.objects.get(name="Check consent")
    assert response.status_code == 200
    assert activity.phase == Phase.EXPLORATION
    html = response.content.decode()
    assert html.strip().startswith(f'<li class="sg-activity" id="activity-{activity.pk}"')
    assert "<html" not in html


def test_add_without_htmx_redirects(client, people, project):
    response = _as(client, people["pm"]).post(
        reverse("activity-add", args=[project.pk]), {"phase": "charter", "name": "Legal review"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("project-checklist", args=[project.pk])
    assert Activity.objects.filter(project=project, name="Legal review").count() == 1


@pytest.mark.parametrize("payload", [{"phase": "charter", "name": "  "}, {"phase": "bogus", "name": "x"}, {}])
def test_add_bad_input_is_refused_with_an_alert(client, people, project, payload):
    before = _state(project)
    response = _as(client, people["pm"]).post(reverse("activity-add", args=[project.pk]), payload, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#htmx-alerts"
    assert 'class="alert alert-danger' in response.content.decode()
    assert _state(project) == before


def test_rename_toggle_and_remove(client, people, project):
    client = _as(client, people["pm"])
    activity = _first(project)
    response = client.post(reverse("activity-rename", args=[activity.pk]), {"name": "State the objective"}, **HTMX)
    assert response.status_code == 200 and "State the objective" in response.content.decode()
    response = client.post(reverse("activity-toggle", args=[activity.pk]), {"done": "1"}, **HTMX)
    assert "is-done" in response.content.decode()
    activity.refresh_from_db()
    assert (activity.name, activity.done) == ("State the objective", True)
    client.post(reverse("activity-toggle", args=[activity.pk]), {}, **HTMX)  # unchecked box: not done
    activity.refresh_from_db()
    assert activity.done is False
    response = client.post(reverse("activity-remove", args=[activity.pk]), {"reason": "Merged"}, **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert AuditRecord.objects.get(action="activity.remove").reason == "Merged"


def test_gate_activity_cannot_be_removed(client, people, project):
    gate = _first(project, gate=True)
    client = _as(client, people["pm"])
    html = client.get(reverse("project-checklist", args=[project.pk])).content.decode()
    assert reverse("activity-remove", args=[gate.pk]) not in html
    response = client.post(reverse("activity-remove", args=[gate.pk]), **HTMX)
    assert response.status_code == 422
    assert "cannot be removed" in response.content.decode()
    assert Activity.objects.filter(pk=gate.pk).exists()
    plain = client.post(reverse("activity-remove", args=[gate.pk]), follow=True)
    assert "cannot be removed" in plain.content.decode()
    assert Activity.objects.filter(pk=gate.pk).exists()


@pytest.mark.parametrize("who", ["exec", "ds", "architect", "product"])
def test_non_managers_change_nothing(client, people, project, who):
    client = _as(client, people[who])
    activity = _first(project)
    before = _state(project)
    audit_count = AuditRecord.objects.count()
    responses = [
        client.post(reverse("activity-add", args=[project.pk]), {"phase": "charter", "name": "Mine"}, **HTMX),
        client.post(reverse("activity-rename", args=[activity.pk]), {"name": "Mine"}, **HTMX),
        client.post(reverse("activity-toggle", args=[activity.pk]), {"done": "1"}, **HTMX),
        client.post(reverse("activity-remove", args=[activity.pk]), **HTMX),
    ]
    assert [response.status_code for response in responses] == [422, 422, 422, 422]
    assert "program or project managers can edit the checklist." in responses[0].content.decode()
    assert _state(project) == before
    assert AuditRecord.objects.count() == audit_count


def test_outsider_gets_404_on_every_write(client, people, project):
    client = _as(client, people["outsider"])
    activity = _first(project)
    before = _state(project)
    assert client.post(reverse("activity-add", args=[project.pk]), {"phase": "charter", "name": "x"}).status_code == 404
    for name in ["activity-rename", "activity-toggle", "activity-remove"]:
        assert client.post(reverse(name, args=[activity.pk]), {"name": "x", "done": "1"}).status_code == 404
    assert _state(project) == before


def test_unknown_activity_is_404_and_get_is_405(client, people, project):
    client = _as(client, people["pm"])
    assert client.post(reverse("activity-toggle", args=[987654]), {"done": "1"}).status_code == 404
    assert client.get(reverse("activity-toggle", args=[_first(project).pk])).status_code == 405


def test_rename_to_empty_is_refused(client, people, project):
    activity = _first(project)
    response = _as(client, people["pm"]).post(reverse("activity-rename", args=[activity.pk]), {"name": ""}, **HTMX)
    assert response.status_code == 422
    activity.refresh_from_db()
    assert activity.name == "Define the objective"
