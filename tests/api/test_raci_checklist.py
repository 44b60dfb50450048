"""projects/{id}/raci/ and the checklist: projects/{id}/activities/, activities/{id}/."""

from lifecycle.models import Activity, AuditRecord, RaciAssignment


def raci_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/raci/"


def test_grid_lists_activities_with_phase_gate_flag_and_assignments(pm_client, project, people):
    response = pm_client.get(raci_url(project))
    assert response.status_code == 200
    body = response.json()
    assert len(body["activities"]) == 32
    first = body["activities"][0]
    assert (first["name"], first["phase"], first["is_gate"]) == ("Define the objective", "charter", False)
    assert sorted((a["user"]["username"], a["role"]) for a in first["assignments"]) == [("exec", "A"), ("pm", "R")]
    gates = [a for a in body["activities"] if a["is_gate"]]
    assert [g["phase"] for g in gates] == ["charter", "exploration", "modeling", "deployment", "closure"]
    people_rows = {row["user"]["username"]: row["roles"] for row in body["people"]}
    assert people_rows == {
        "pm": ["project_manager"],
        "exec": ["executive_leader"],
        "ds": ["data_scientist"],
        "architect": ["solution_architect"],
        "product": ["product_manager"],
    }


def _gate(project, phase="charter") -> Activity:
    return project.activities.get(phase=phase, is_gate=True)


def test_patch_sets_cells(pm_client, project, people):
    gate = _gate(project)
    response = pm_client.patch(
        raci_url(project),
        {
            "cells": [
                {"activity": gate.pk, "user": people["architect"].pk, "role": "C"},
                {"activity": gate.pk, "user": people["ds"].pk, "role": "I"},
            ],
            "reason": "Reviewers",
        },
        format="json",
    )
    assert response.status_code == 200
    assert dict(RaciAssignment.objects.filter(activity=gate).values_list("user__username", "role")) == {
        "pm": "R",
        "exec": "A",
        "architect": "C",
        "ds": "I",
    }
    row = next(a for a in response.json()["activities"] if a["id"] == gate.pk)
    assert sorted(a["role"] for a in row["assignments"]) == ["A", "C", "I", "R"]
    assert AuditRecord.objects.get(project=project, action="raci.update").reason == "Reviewers"


def test_patch_clears_a_cell_with_null(pm_client, project, people):
    gate = _gate(project)
    RaciAssignment.objects.create(activity=gate, user=people["ds"], role="I")
    response = pm_client.patch(
        raci_url(project), {"cells": [{"activity": gate.pk, "user": people["ds"].pk, "role": None}]}, format="json"
    )
    assert response.status_code == 200
    assert not RaciAssignment.objects.filter(activity=gate, user=people["ds"]).exists()


def test_put_replaces_the_whole_grid(pm_client, project, people):
    cells = []
    for activity in project.activities.all():
        cells.append({"activity": activity.pk, "user": people["ds"].pk, "role": "R"})
        cells.append({"activity": activity.pk, "user": people["exec"].pk, "role": "A"})
    response = pm_client.put(raci_url(project), {"cells": cells}, format="json")
    assert response.status_code == 200
    assert set(RaciAssignment.objects.filter(activity__project=project).values_list("user__username", flat=True)) == {
        "ds",
        "exec",
    }


def test_put_with_a_partial_grid_is_400_per_activity(pm_client, project, people, unchanged):
    gate = _gate(project)
    with unchanged():
        response = pm_client.put(
            raci_url(project),
            {
                "cells": [
                    {"activity": gate.pk, "user": people["pm"].pk, "role": "R"},
                    {"activity": gate.pk, "user": people["exec"].pk, "role": "A"},
                ]
            },
            format="json",
        )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 31
    assert errors["Define the objective"] == "needs exactly one Accountable person"


def test_two_accountables_is_400_naming_the_activity(pm_client, project, people, unchanged):
    gate = _gate(project)
    with unchanged():
        response = pm_client.patch(
            raci_url(project), {"cells": [{"activity": gate.pk, "user": people["ds"].pk, "role": "A"}]}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["errors"] == {"Gate review: Charter approval": "has 2 Accountable people; keep exactly one"}


def test_invalid_cells_are_400(pm_client, project, people, unchanged):
    gate = _gate(project)
    cases = [
        ({"activity": gate.pk, "user": people["ds"].pk, "role": "X"}, "cells"),
        ({"activity": gate.pk, "user": "me", "role": "C"}, "cells"),
        ({"activity": 2**70, "user": people["ds"].pk, "role": "C"}, "cells"),
        ({"activity": 999_999, "user": people["ds"].pk, "role": "C"}, "activities"),
        ({"activity": gate.pk, "user": people["outsider"].pk, "role": "C"}, "Gate review: Charter approval"),
    ]
    for cell, key in cases:
        with unchanged():
            response = pm_client.patch(raci_url(project), {"cells": [cell]}, format="json")
        assert response.status_code == 400, cell
        assert list(response.json()["errors"]) == [key]


def test_checklist_list_and_add(pm_client, project):
    listed = pm_client.get(f"/api/v1/projects/{project.pk}/activities/")
    assert listed.status_code == 200
    assert len(listed.json()) == 32
    response = pm_client.post(
        f"/api/v1/projects/{project.pk}/activities/", {"phase": "exploration", "name": "Legal review"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["phase"], body["name"], body["is_gate"], body["done"], body["position"]) == (
        "exploration",
        "Legal review",
        False,
        False,
        33,
    )
    activity = Activity.objects.get(pk=body["id"])
    assert dict(activity.assignments.values_list("user__username", "role")) == {"pm": "R", "exec": "A"}


def test_checklist_add_refusals(pm_client, project, unchanged):
    for body in (
        {"phase": "later", "name": "X"},
        {"phase": "charter", "name": ""},
        {"phase": "charter", "name": "x" * 201},
    ):
        with unchanged():
            response = pm_client.post(f"/api/v1/projects/{project.pk}/activities/", body, format="json")
        assert response.status_code == 400


def test_activity_rename_tick_and_remove(pm_client, project):
    activity = project.activities.get(name="Set milestones")
    response = pm_client.patch(
        f"/api/v1/activities/{activity.pk}/", {"name": "Plan milestones", "done": True}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["done"]) == ("Plan milestones", True)
    assert pm_client.get(f"/api/v1/activities/{activity.pk}/").json()["done"] is True
    removed = pm_client.delete(f"/api/v1/activities/{activity.pk}/", {"reason": "Merged"}, format="json")
    assert removed.status_code == 204
    assert not Activity.objects.filter(pk=activity.pk).exists()
    assert AuditRecord.objects.get(action="activity.remove").reason == "Merged"


def test_gate_activity_cannot_be_removed(pm_client, project, unchanged):
    with unchanged():
        response = pm_client.delete(f"/api/v1/activities/{_gate(project).pk}/")
    assert response.status_code == 409
