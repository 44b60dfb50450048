"""MLflow evidence on gate reviews against a real `mlflow server` and the real sync: attach snapshots, detach,
automated criteria, the override of a failing criterion, frozen evidence and "changed since decision"."""

from __future__ import annotations

import pytest

from lifecycle import services as lifecycle_services
from lifecycle.choices import GateDecision, GateReviewStatus, Phase
from lifecycle.models import AuditRecord, GateReview, Project
from metrics.evidence.models import GateEvidence, GateRule
from metrics.evidence.rules import Outcome
from metrics.evidence.services.reviews import (
    evidence_attach_model_version,
    evidence_attach_run,
    evidence_detach,
    review_evidence_state,
)
from metrics.mlflow.local_server import LocalMlflowServer
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.factories import make_project
from tests.lifecycle.service_helpers import condition
from tests.metrics.evidence_world import modeling_rules, refused, seeded_world
from tests.metrics.mlflow_seed import Seeder


@pytest.fixture
def seed(mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Seeder:
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


@pytest.fixture
def world(project, people, seed, mlflow_server):
    return seeded_world(project, people, seed, mlflow_server.uri)


def state_of(review: GateReview):
    return review_evidence_state(GateReview.objects.get(pk=review.pk))


def outcomes(review: GateReview) -> dict[str, str]:
    return {result.kind: str(result.outcome) for result in state_of(review).results}


# -- attach and detach ----------------------------------------------------------------------------------------


def test_a_data_scientist_attaches_a_run_with_a_snapshot_and_it_is_audited(world, people) -> None:
    run = world.run("rf-200")

    evidence = evidence_attach_run(actor=people["ds"], review=world.review, run_id=run.run_id, note=" best forest ")

    assert (evidence.kind, evidence.run, evidence.note, evidence.attached_by) == (
        "run",
        run,
        "best forest",
        people["ds"],
    )
    snapshot = evidence.snapshot
    assert snapshot["metrics"] == {"val_auc": 0.86, "val_loss": 0.38}
    assert snapshot["params"] == {"split_seed": "7", "n_estimators": "200"}
    assert snapshot["tags"]["team"] == "churn"
    assert (snapshot["run_id"], snapshot["run_name"], snapshot["status"], snapshot["deleted"]) == (
        run.run_id, "rf-200", "FINISHED", False,
    )  # fmt: skip
    assert snapshot["start_time"] == run.start_time.isoformat() and snapshot["end_time"] == run.end_time.isoformat()
    assert snapshot["artifact_uri"] == run.artifact_uri and run.run_id in run.artifact_uri
    assert evidence.decision_snapshot is None
    record = AuditRecord.objects.get(action="gate.evidence_attach")
    assert (record.actor, record.project, record.target_id, record.reason) == (
        people["ds"], world.project, str(world.review.pk), "best forest",
    )  # fmt: skip
    assert record.after == {"evidence_id": evidence.pk, "kind": "run", "snapshot": snapshot}


def test_a_model_version_is_attached_with_aliases_tags_status_and_source_run(world, people) -> None:
    evidence = evidence_attach_model_version(
        actor=people["ds"], review=world.review, model_name=world.model_name, version=1
    )

    assert evidence.snapshot == {
        "model_name": world.model_name,
        "version": 1,
        "server": "lab",
        "aliases": ["champion"],
        "tags": {},
        "status": "READY",
        "source": f"runs:/{world.run_ids['rf-200']}/model",
        "source_run_id": world.run_ids["rf-200"],
        "deleted": False,
    }


def test_detach_while_open_is_audited(world, people) -> None:
    evidence = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])

    evidence_detach(actor=people["pm"], evidence=evidence, reason="wrong run")

    assert GateEvidence.objects.count() == 0
    record = AuditRecord.objects.get(action="gate.evidence_detach")
    assert (record.actor, record.reason, record.before["evidence_id"]) == (people["pm"], "wrong run", evidence.pk)


@pytest.mark.parametrize("who", ["exec", "outsider"])
def test_people_who_do_not_contribute_cannot_attach(world, people, who) -> None:
    with refused(NotAllowed):
        evidence_attach_run(actor=people[who], review=world.review, run_id=world.run_ids["rf-200"])


def test_unknown_runs_duplicates_and_runs_of_other_experiments_are_refused(world, people, seed) -> None:
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    elsewhere = seed.run(seed.experiment("not-linked"), name="stray")
    world.sync()

    with refused(ValidationFailed) as caught:
        evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    assert caught.value.details == {"evidence": "Duplicate."}
    for run_id in ("no-such-run", elsewhere):
        with refused(ValidationFailed) as caught:
            evidence_attach_run(actor=people["ds"], review=world.review, run_id=run_id)
        assert caught.value.details == {"run_id": "Unknown."}
    with refused(ValidationFailed):
        evidence_attach_model_version(actor=people["ds"], review=world.review, model_name=world.model_name, version=9)


def test_a_decided_review_refuses_attach_and_detach(world, people) -> None:
    evidence = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    lifecycle_services.gate_decide(actor=people["exec"], review=world.review, decision=GateDecision.GO)

    with refused(TransitionNotAllowed):
        evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])
    with refused(TransitionNotAllowed):
        evidence_detach(actor=people["ds"], evidence=evidence)


# -- automated criteria ---------------------------------------------------------------------------------------


def test_criteria_say_no_evidence_until_runs_are_attached(world, people) -> None:
    modeling_rules(world.project, people)

    assert outcomes(world.review) == {
        "metric_threshold": "no_evidence",
        "all_runs_finished": "no_evidence",
        "param_recorded": "no_evidence",
        "model_alias": "no_evidence",
    }


def test_criteria_are_evaluated_as_evidence_is_attached(world, people) -> None:
    modeling_rules(world.project, people)
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])

    state = state_of(world.review)
    by_kind = {result.kind: result for result in state.results}
    assert by_kind["metric_threshold"].outcome == Outcome.FAIL
    assert by_kind["metric_threshold"].reason == "Best run lr-base has val_auc = 0.78, not >= 0.8."
    assert by_kind["param_recorded"].reason == "split_seed is not recorded on lr-base."
    assert by_kind["all_runs_finished"].outcome == Outcome.PASS

    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    evidence_attach_model_version(actor=people["ds"], review=world.review, model_name=world.model_name, version=1)

    by_kind = {result.kind: result for result in state_of(world.review).results}
    assert by_kind["metric_threshold"].outcome == Outcome.PASS
    assert by_kind["metric_threshold"].reason == "Best run rf-200 has val_auc = 0.86."
    assert by_kind["param_recorded"].outcome == Outcome.FAIL  # lr-base still lacks it
    assert by_kind["model_alias"].outcome == Outcome.PASS
    assert by_kind["model_alias"].reason == f"{world.model_name} v1 has alias champion."


def test_a_running_run_fails_all_runs_finished(world, people, seed) -> None:
    modeling_rules(world.project, people)
    running = seed.run(world.experiment_link.experiment_id, name="still-going", status="RUNNING")
    world.sync()

    evidence_attach_run(actor=people["ds"], review=world.review, run_id=running)

    [result] = [r for r in state_of(world.review).results if r.kind == "all_runs_finished"]
    assert (result.outcome, result.reason) == (Outcome.FAIL, "still-going is RUNNING.")


def test_inactive_rules_other_gates_and_other_projects_rules_do_not_apply(world, people) -> None:
    rules = modeling_rules(world.project, people)
    rules["seed"].is_active = False
    rules["seed"].save()
    rules["finished"].phase = Phase.EXPLORATION
    rules["finished"].save()
    rules["champion"].project = make_project(portfolio=world.project.portfolio, owner=people["pm"])
    rules["champion"].save()
    GateRule.objects.create(
        portfolio=world.project.portfolio, project=world.project, phase=Phase.MODELING, kind="all_runs_finished"
    )

    assert sorted(outcomes(world.review)) == ["all_runs_finished", "metric_threshold"]


# -- the decision ---------------------------------------------------------------------------------------------


def test_a_go_over_a_failing_criterion_is_refused_without_an_override_reason(world, people) -> None:
    modeling_rules(world.project, people)
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])

    for decision, actions in ((GateDecision.GO, []), (GateDecision.CONDITIONAL_GO, [condition(people["ds"])])):
        with refused(ValidationFailed) as caught:
            lifecycle_services.gate_decide(
                actor=people["exec"], review=world.review, decision=decision, actions=actions, override_reason="  "
            )
        details = caught.value.details
        assert details["override_reason"] == "Required: an automated criterion does not pass."
        assert details["failing_rules"] == [
            "metric val_auc >= 0.8 on the best attached run: Best run lr-base has val_auc = 0.78, not >= 0.8.",
            "param split_seed recorded on every attached run: split_seed is not recorded on lr-base.",
            "an attached model version has alias champion: No model version is attached.",
        ]
    assert Project.objects.get(pk=world.project.pk).phase == Phase.MODELING


def test_a_go_with_an_override_reason_freezes_evidence_and_results_and_audits_the_reason(world, people) -> None:
    modeling_rules(world.project, people)
    weak = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["lr-base"])
    model = evidence_attach_model_version(
        actor=people["ds"], review=world.review, model_name=world.model_name, version=1
    )

    review = lifecycle_services.gate_decide(
        actor=people["exec"],
        review=world.review,
        decision=GateDecision.GO,
        rationale="Business needs it now",
        override_reason="Pilot only; AUC re-checked next sprint",
    )

    assert (review.status, review.override_reason) == (
        GateReviewStatus.DECIDED,
        "Pilot only; AUC re-checked next sprint",
    )
    weak.refresh_from_db()
    model.refresh_from_db()
    assert weak.decision_snapshot == weak.snapshot and model.decision_snapshot == model.snapshot
    stored = {item["kind"]: item["outcome"] for item in review.evidence["rules"]}
    assert stored == {
        "metric_threshold": "fail", "all_runs_finished": "pass", "param_recorded": "fail", "model_alias": "pass",
    }  # fmt: skip
    assert [item["evidence_id"] for item in review.evidence["mlflow"]] == [weak.pk, model.pk]
    record = AuditRecord.objects.get(action="gate.decide", target_id=str(review.pk))
    assert record.after["override_reason"] == "Pilot only; AUC re-checked next sprint"
    assert record.after["evidence"]["rules"] == review.evidence["rules"]
    assert Project.objects.get(pk=world.project.pk).phase == Phase.DEPLOYMENT


def test_a_recycle_needs_no_override_and_a_passing_go_stores_none(world, people) -> None:
    modeling_rules(world.project, people)
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["gb-tuned"])
    evidence_attach_model_version(actor=people["ds"], review=world.review, model_name=world.model_name, version=1)

    review = lifecycle_services.gate_decide(
        actor=people["exec"], review=world.review, decision=GateDecision.GO, override_reason="not needed"
    )

    assert review.override_reason == ""
    assert {item["outcome"] for item in review.evidence["rules"]} == {"pass"}
    assert "override_reason" not in AuditRecord.objects.get(action="gate.decide", target_id=str(review.pk)).after


def test_changes_in_mlflow_after_the_decision_are_flagged_and_the_frozen_snapshot_stays(world, people, seed) -> None:
    best = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["rf-200"])
    gone = evidence_attach_run(actor=people["ds"], review=world.review, run_id=world.run_ids["gb-tuned"])
    model = evidence_attach_model_version(
        actor=people["ds"], review=world.review, model_name=world.model_name, version=1
    )
    lifecycle_services.gate_decide(actor=people["exec"], review=world.review, decision=GateDecision.GO)
    best.refresh_from_db()
    frozen = best.decision_snapshot
    assert state_of(world.review).changes == []

    seed.log_metric_value(world.run_ids["rf-200"], "val_auc", 0.79, step=3)  # a later step: the latest value moves
    seed.delete_run(world.run_ids["gb-tuned"])
    seed.move_alias(world.model_name, "champion", 2)
    world.sync()

    state = state_of(world.review)
    assert state.changed_since_decision
    assert [(c.evidence_id, c.what, c.before, c.after) for c in state.changes] == [
        (best.pk, "metric val_auc changed", 0.86, 0.79),
        (gone.pk, "run deleted in MLflow", False, True),
        (model.pk, "alias champion moved or removed", "champion", None),
    ]
    best.refresh_from_db()
    assert best.decision_snapshot == frozen  # what the decision was taken on stays readable
    assert dict(state.rows)[best]["metrics"]["val_auc"] == 0.86


def test_a_deleted_model_version_is_flagged(world, people, seed) -> None:
    model = evidence_attach_model_version(
        actor=people["ds"], review=world.review, model_name=world.model_name, version=2
    )
    lifecycle_services.gate_decide(actor=people["exec"], review=world.review, decision=GateDecision.GO)

    seed.client.delete_model_version(world.model_name, "2")
    world.sync()

    changes = state_of(world.review).changes
    assert [(c.evidence_id, c.what) for c in changes] == [(model.pk, "version deleted in MLflow")]
