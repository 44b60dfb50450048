"""Automated gate criteria: the pure evaluation (no database) and the audited rule services."""

from __future__ import annotations

import math

import pytest

from lifecycle.choices import Phase
from lifecycle.models import AuditRecord
from metrics.evidence.models import GateRule
from metrics.evidence.rules import (
    Outcome,
    RuleSpec,
    RunFacts,
    VersionFacts,
    best_run,
    evaluate,
    not_passed,
    rule_label,
    run_facts,
    version_facts,
)
from metrics.evidence.services.rules import gate_rule_create, gate_rule_deactivate, gate_rule_update, rules_applying
from portal.exceptions import NotAllowed, ValidationFailed
from tests.factories import make_project
from tests.metrics.evidence_world import refused


def run(evidence_id: int, label: str, status: str = "FINISHED", deleted: bool = False, **metrics) -> RunFacts:
    params = metrics.pop("params", {})
    return RunFacts(evidence_id, label, status, deleted, metrics, params)


AUC = RuleSpec(id=1, kind="metric_threshold", metric_key="val_auc", comparator=">=", threshold=0.8)
LOSS = RuleSpec(id=2, kind="metric_threshold", metric_key="val_loss", comparator="<", threshold=0.4)


class TestMetricThreshold:
    def test_passes_on_the_best_run_for_a_higher_is_better_comparator(self):
        result = evaluate(AUC, [run(1, "a", val_auc=0.78), run(2, "b", val_auc=0.83)], [])
        assert (result.outcome, result.reason, result.evidence_ids) == (
            Outcome.PASS,
            "Best run b has val_auc = 0.83.",
            (2,),
        )

    def test_lower_is_better_comparators_pick_the_smallest_value(self):
        result = evaluate(LOSS, [run(1, "a", val_loss=0.38), run(2, "b", val_loss=0.52)], [])
        assert (result.outcome, result.evidence_ids) == (Outcome.PASS, (1,))
        failing = evaluate(LOSS, [run(1, "a", val_loss=0.4)], [])
        assert (failing.outcome, failing.reason) == (Outcome.FAIL, "Best run a has val_loss = 0.4, not < 0.4.")

    def test_the_threshold_itself_passes_gte_and_fails_gt(self):
        at = [run(1, "a", val_auc=0.8)]
        assert evaluate(AUC, at, []).outcome == Outcome.PASS
        strict = RuleSpec(id=3, kind="metric_threshold", metric_key="val_auc", comparator=">", threshold=0.8)
        assert evaluate(strict, at, []).outcome == Outcome.FAIL

    def test_no_run_or_no_value_is_no_evidence_and_deleted_or_nan_runs_do_not_count(self):
        assert evaluate(AUC, [], []).reason == "No run is attached."
        result = evaluate(AUC, [run(1, "a", val_loss=0.3), run(2, "b", deleted=True, val_auc=0.9)], [])
        assert (result.outcome, result.reason) == (Outcome.NO_EVIDENCE, "No attached run has a value for val_auc.")
        assert best_run([run(1, "a", val_auc=math.nan), run(2, "b", val_auc=0.7)], "val_auc", ">=")[1] == 0.7

    def test_an_incomplete_rule_fails_with_a_reason(self):
        broken = RuleSpec(id=4, kind="metric_threshold", metric_key="val_auc", comparator=">=")
        assert evaluate(broken, [run(1, "a", val_auc=0.9)], []).outcome == Outcome.FAIL


def test_all_runs_finished_names_the_unfinished_and_deleted_runs():
    rule = RuleSpec(id=5, kind="all_runs_finished")
    runs = [run(1, "a"), run(2, "b", status="RUNNING"), run(3, "c", deleted=True), run(4, "d", status="FAILED")]
    result = evaluate(rule, runs, [])
    assert (result.outcome, result.reason, result.evidence_ids) == (
        Outcome.FAIL,
        "b is RUNNING; d is FAILED; c was deleted in MLflow.",
        (2, 4, 3),
    )
    assert evaluate(rule, [run(1, "a"), run(2, "b")], []).reason == "All 2 attached runs are FINISHED."


def test_param_recorded_needs_it_on_every_run():
    rule = RuleSpec(id=6, kind="param_recorded", param_key="split_seed")
    runs = [run(1, "a", params={"split_seed": "7"}), run(2, "b", params={}), run(3, "c", params={"seed": "1"})]
    result = evaluate(rule, runs, [])
    assert (result.outcome, result.reason) == (Outcome.FAIL, "split_seed is not recorded on b, c.")
    assert evaluate(rule, runs[:1], []).outcome == Outcome.PASS
    assert evaluate(rule, [], []).outcome == Outcome.NO_EVIDENCE


def test_model_alias_needs_one_live_version_holding_it():
    rule = RuleSpec(id=7, kind="model_alias", alias="champion")
    holder = VersionFacts(1, "churn v3", ["champion"], False)
    other = VersionFacts(2, "churn v2", ["challenger"], False)
    assert evaluate(rule, [], [holder, other]).reason == "churn v3 has alias champion."
    assert evaluate(rule, [], [other]).reason == "No attached model version has alias champion (churn v2)."
    assert evaluate(rule, [], [VersionFacts(1, "churn v3", ["champion"], True)]).outcome == Outcome.FAIL
    assert evaluate(rule, [run(1, "a")], []).outcome == Outcome.NO_EVIDENCE


def test_labels_results_and_facts_from_snapshots():
    assert rule_label(AUC) == "metric val_auc >= 0.8 on the best attached run"
    assert rule_label(RuleSpec(id=8, kind="model_alias", alias="x", description="Champion set")) == "Champion set"
    results = [evaluate(AUC, [run(1, "a", val_auc=0.9)], []), evaluate(LOSS, [], [])]
    assert [r.rule_id for r in not_passed(results)] == [2]
    assert results[0].as_dict() == {
        "rule_id": 1,
        "kind": "metric_threshold",
        "label": "metric val_auc >= 0.8 on the best attached run",
        "outcome": "pass",
        "reason": "Best run a has val_auc = 0.9.",
        "evidence_ids": [1],
    }
    facts = run_facts(9, {"run_id": "abc", "status": "FINISHED", "metrics": {"m": 1, "n": None}, "params": {"p": 3}})
    assert (facts.label, facts.metrics, facts.params) == ("abc", {"m": 1.0, "n": None}, {"p": "3"})
    assert version_facts(3, {"model_name": "churn", "version": 2, "aliases": ["a"]}).label == "churn v2"


# -- rule services ----------------------------------------------------------------------------------------------


def test_a_manager_adds_a_rule_and_it_is_audited(portfolio, people):
    rule = gate_rule_create(
        actor=people["pm"],
        portfolio=portfolio,
        phase=Phase.MODELING,
        kind="metric_threshold",
        metric_key=" val_auc ",
        comparator=">=",
        threshold=0.8,
        param_key="ignored for this kind",
    )
    assert (rule.metric_key, rule.comparator, rule.threshold, rule.param_key, rule.created_by) == (
        "val_auc", ">=", 0.8, "", people["pm"],
    )  # fmt: skip
    record = AuditRecord.objects.get(action="gate_rule.create")
    assert record.after["label"] == "metric val_auc >= 0.8 on the best attached run"


@pytest.mark.parametrize("who", ["ds", "exec", "outsider"])
def test_only_managers_add_rules(portfolio, people, who):
    with refused(NotAllowed):
        gate_rule_create(actor=people[who], portfolio=portfolio, phase=Phase.MODELING, kind="all_runs_finished")


def test_incomplete_rules_are_refused_with_each_field(portfolio, people):
    with refused(ValidationFailed) as caught:
        gate_rule_create(
            actor=people["pm"], portfolio=portfolio, phase=Phase.MODELING, kind="metric_threshold", comparator="!="
        )
    assert caught.value.details == {
        "metric_key": "Required for this kind of rule.",
        "comparator": "One of >=, >, <=, <.",
        "threshold": "A finite number.",
    }
    with refused(ValidationFailed):
        gate_rule_create(actor=people["pm"], portfolio=portfolio, phase="nowhere", kind="all_runs_finished")
    with refused(ValidationFailed):
        gate_rule_create(
            actor=people["pm"], portfolio=portfolio, phase=Phase.MODELING, kind="metric_threshold",
            metric_key="auc", comparator=">=", threshold=math.inf,
        )  # fmt: skip


def test_update_and_deactivate_are_audited_and_inactive_rules_stop_applying(project, people):
    rule = gate_rule_create(
        actor=people["pm"], portfolio=project.portfolio, phase=Phase.MODELING, kind="param_recorded", param_key="seed"
    )
    gate_rule_update(actor=people["pm"], rule=rule, param_key="split_seed", description="Seed recorded")
    gate_rule_deactivate(actor=people["pm"], rule=rule)

    rule.refresh_from_db()
    assert (rule.param_key, rule.description, rule.is_active) == ("split_seed", "Seed recorded", False)
    updates = AuditRecord.objects.filter(action="gate_rule.update").order_by("id")
    assert [(r.before["is_active"], r.after["is_active"]) for r in updates] == [(True, True), (True, False)]
    assert list(rules_applying(project.portfolio_id, Phase.MODELING, project.pk)) == []
    with refused(ValidationFailed):
        gate_rule_update(actor=people["pm"], rule=rule, kind="model_alias")
    with refused(NotAllowed):
        gate_rule_update(actor=people["ds"], rule=rule, is_active=True)


def test_a_project_rule_must_belong_to_the_portfolio(portfolio, people):
    from tests.factories import PortfolioFactory

    elsewhere = make_project(portfolio=PortfolioFactory(slug="other"))
    with refused(ValidationFailed):
        gate_rule_create(
            actor=people["pm"], portfolio=portfolio, project=elsewhere, phase=Phase.MODELING, kind="all_runs_finished"
        )
    assert GateRule.objects.count() == 0
