"""Evidence API: review evidence (list, attach, detach), criteria, gate rules CRUD, run search, decide with an
override reason. Same permissions as the pages; outsiders get 404; refusals change nothing."""

from __future__ import annotations

import pytest

from lifecycle.choices import Phase
from lifecycle.models import AuditRecord, GateReview
from metrics.evidence.models import GateEvidence, GateRule
from metrics.evidence.services.reviews import evidence_attach_run
from tests.metrics.evidence_world import evidence_rows, mirrored_world, modeling_rules


@pytest.fixture
def world(project, people):
    return mirrored_world(project, people)


def evidence_url(review) -> str:
    return f"/api/v1/gate-reviews/{review.pk}/evidence/"


def test_a_data_scientist_attaches_a_run_and_a_model_version(world, client_for):
    ds = client_for("ds")
    response = ds.post(evidence_url(world.review), {"run_id": world.run_ids["rf-200"], "note": "best"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["label"], body["note"], body["attached_by"]["username"]) == (
        "run",
        "rf-200",
        "best",
        "ds",
    )
    assert body["snapshot"]["metrics"] == {"val_auc": 0.86, "val_loss": 0.38}
    assert body["attached_snapshot"] == body["snapshot"] and body["decision_snapshot"] is None

    version = ds.post(evidence_url(world.review), {"model_name": "churn-model", "version": 1}, format="json")
    assert version.status_code == 201
    assert version.json()["snapshot"]["aliases"] == ["champion"]

    listing = ds.get(evidence_url(world.review)).json()
    assert (listing["status"], listing["changed_since_decision"]) == ("open", False)
    assert [item["label"] for item in listing["items"]] == ["rf-200", "churn-model v1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "non_field_errors"), ({"run_id": "x", "model_name": "m", "version": 1}, "non_field_errors")],
)
def test_an_attach_needs_exactly_one_target(world, client_for, body, field):
    before = evidence_rows()
    response = client_for("ds").post(evidence_url(world.review), body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert evidence_rows() == before


@pytest.mark.parametrize(("role", "status"), [("exec", 403), ("outsider", 404), ("anonymous", 401)])
def test_attach_is_refused_to_others_and_changes_nothing(world, client_for, role, status):
    before = evidence_rows()
    response = client_for(role).post(evidence_url(world.review), {"run_id": world.run_ids["rf-200"]}, format="json")
    assert response.status_code == status
    assert evidence_rows() == before


def test_detach_and_decided_reviews_refuse_with_409(world, client_for, people):
    ds = client_for("ds")
    first = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    second = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])
    assert ds.delete(f"{evidence_url(world.review)}{first.pk}/").status_code == 204
    assert list(GateEvidence.objects.values_list("pk", flat=True)) == [second.pk]
    assert client_for("outsider").delete(f"{evidence_url(world.review)}{second.pk}/").status_code == 404

    decided = client_for("exec").post(
        f"/api/v1/gate-reviews/{world.review.pk}/decide/", {"decision": "go"}, format="json"
    )
    assert decided.status_code == 200
    before = evidence_rows()
    assert ds.delete(f"{evidence_url(world.review)}{second.pk}/").status_code == 409
    refused = ds.post(evidence_url(world.review), {"run_id": world.run_ids["rf-200"]}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "transition_not_allowed"
    assert evidence_rows() == before


def test_criteria_and_the_override_reason_on_decide(world, client_for, people):
    rules = modeling_rules(world.project, people)
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])
    criteria = client_for("ds").get(f"/api/v1/gate-reviews/{world.review.pk}/criteria/").json()
    assert (criteria["evaluated"], criteria["all_passed"]) == ("now", False)
    assert {r["rule_id"]: r["outcome"] for r in criteria["results"]} == {
        rules["auc"].pk: "fail", rules["finished"].pk: "pass", rules["seed"].pk: "fail",
        rules["champion"].pk: "no_evidence",
    }  # fmt: skip

    executive = client_for("exec")
    decide = f"/api/v1/gate-reviews/{world.review.pk}/decide/"
    before = evidence_rows()
    refused = executive.post(decide, {"decision": "go"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"]["override_reason"] == "Required: an automated criterion does not pass."
    assert len(refused.json()["errors"]["failing_rules"]) == 3
    assert evidence_rows() == before

    done = executive.post(decide, {"decision": "go", "override_reason": "Pilot"}, format="json")
    assert done.status_code == 200 and done.json()["override_reason"] == "Pilot"
    assert AuditRecord.objects.get(action="gate.decide", target_id=str(world.review.pk)).after["override_reason"] == (
        "Pilot"
    )
    frozen = client_for("ds").get(f"/api/v1/gate-reviews/{world.review.pk}/criteria/").json()
    assert (frozen["evaluated"], frozen["override_reason"]) == ("at_decision", "Pilot")
    assert [r["outcome"] for r in frozen["results"]] == [r["outcome"] for r in criteria["results"]]


def test_the_evidence_api_shows_what_changed_since_the_decision(world, client_for, people):
    evidence = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    client_for("exec").post(f"/api/v1/gate-reviews/{world.review.pk}/decide/", {"decision": "go"}, format="json")
    run = world.run("rf-200")
    run.deleted = True
    run.save()

    body = client_for("pm").get(evidence_url(world.review)).json()
    assert body["changed_since_decision"] is True
    assert body["changes"] == [
        {"evidence_id": evidence.pk, "label": "rf-200", "what": "run deleted in MLflow", "before": False, "after": True}
    ]
    [item] = body["items"]
    assert item["decision_snapshot"]["deleted"] is False and item["changes"] == body["changes"]


def test_run_search_uses_the_page_filters(world, client_for):
    url = f"/api/v1/projects/{world.project.pk}/runs/"
    body = client_for("ds").get(url, {"metric": ["val_auc>=0.8"], "sort": "-val_auc"}).json()
    assert [run["run_name"] for run in body["results"]] == ["rf-200", "gb-tuned"]
    assert body["results"][0]["params"] == {"split_seed": "7", "n_estimators": "200"}
    bad = client_for("ds").get(url, {"metric": "val_auc"})
    assert bad.status_code == 400 and bad.json()["errors"] == {
        "metric": "Write metric filters as key>=number (got 'val_auc')."
    }
    assert client_for("outsider").get(url).status_code == 404


def test_gate_rules_crud_for_managers(world, client_for, people):
    pm = client_for("pm")
    created = pm.post(
        "/api/v1/gate-rules/",
        {"portfolio": world.project.portfolio_id, "phase": "modeling", "kind": "model_alias", "alias": "champion"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]
    assert created.json()["label"] == "an attached model version has alias champion"
    changed = pm.patch(f"/api/v1/gate-rules/{rule_id}/", {"alias": "prod"}, format="json")
    assert changed.status_code == 200 and changed.json()["alias"] == "prod"
    assert pm.delete(f"/api/v1/gate-rules/{rule_id}/").status_code == 405  # rules are kept: no DELETE
    deactivated = pm.post(f"/api/v1/gate-rules/{rule_id}/deactivate/")
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    assert GateRule.objects.get(pk=rule_id).is_active is False
    listed = client_for("ds").get("/api/v1/gate-rules/", {"phase": Phase.MODELING}).json()
    assert [row["id"] for row in listed["results"]] == [rule_id]
    assert client_for("outsider").get("/api/v1/gate-rules/").json()["results"] == []
    assert client_for("outsider").get(f"/api/v1/gate-rules/{rule_id}/").status_code == 404


def test_gate_rule_writes_are_refused_to_non_managers_and_outsiders(world, client_for):
    rule = GateRule.objects.create(portfolio=world.project.portfolio, phase="modeling", kind="all_runs_finished")
    before = evidence_rows()
    body = {"portfolio": world.project.portfolio_id, "phase": "modeling", "kind": "all_runs_finished"}
    assert client_for("ds").post("/api/v1/gate-rules/", body, format="json").status_code == 403
    assert client_for("outsider").post("/api/v1/gate-rules/", body, format="json").status_code == 404
    assert (
        client_for("ds").patch(f"/api/v1/gate-rules/{rule.pk}/", {"is_active": False}, format="json").status_code == 403
    )
    assert client_for("ds").post(f"/api/v1/gate-rules/{rule.pk}/deactivate/").status_code == 403
    assert client_for("outsider").post(f"/api/v1/gate-rules/{rule.pk}/deactivate/").status_code == 404
    incomplete = client_for("pm").post("/api/v1/gate-rules/", {**body, "kind": "param_recorded"}, format="json")
    assert incomplete.status_code == 400 and incomplete.json()["errors"] == {
        "param_key": "Required for this kind of rule."
    }
    assert evidence_rows() == before
    assert GateReview.objects.filter(status="open").count() == 1
