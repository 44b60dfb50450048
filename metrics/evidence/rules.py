"""Automated gate criteria, evaluated by pure functions on evidence snapshots (no database, no clock).

A rule reads only what a ``GateEvidence`` snapshot holds (``metrics.evidence.services.reviews`` builds them), so the
same function explains the criterion on an open review (live mirror) and on a decided one (the frozen
``decision_snapshot``), and the results stored with a decision can be recomputed from what was frozen.

Outcomes: ``pass``; ``fail`` with why; ``no_evidence`` when nothing attached can say (no run, or no run that
logged the metric). A go over a rule that did not pass needs an override reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

FINISHED = "FINISHED"


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NO_EVIDENCE = "no_evidence"


class Kind(StrEnum):
    """Same values as ``metrics.evidence.choices.GateRuleKind``."""

    METRIC_THRESHOLD = "metric_threshold"
    ALL_RUNS_FINISHED = "all_runs_finished"
    PARAM_RECORDED = "param_recorded"
    MODEL_ALIAS = "model_alias"


# Comparator -> (test, the direction that makes a run "best": larger values for >= and >).
_COMPARATORS: dict[str, tuple[Any, bool]] = {
    ">=": (lambda value, threshold: value >= threshold, True),
    ">": (lambda value, threshold: value > threshold, True),
    "<=": (lambda value, threshold: value <= threshold, False),
    "<": (lambda value, threshold: value < threshold, False),
}


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the evaluation sees it (``GateRule`` fields)."""

    id: int
    kind: str
    metric_key: str = ""
    comparator: str = ""
    threshold: float | None = None
    param_key: str = ""
    alias: str = ""
    description: str = ""


@dataclass(frozen=True)
class RunFacts:
    evidence_id: int
    label: str
    status: str
    deleted: bool
    metrics: Mapping[str, float | None]
    params: Mapping[str, str]


@dataclass(frozen=True)
class VersionFacts:
    evidence_id: int
    label: str
    aliases: Sequence[str]
    deleted: bool


@dataclass(frozen=True)
class RuleResult:
    rule_id: int
    kind: str
    label: str
    outcome: Outcome
    reason: str
    evidence_ids: tuple[int, ...] = ()

    @property
    def passed(self) -> bool:
        return self.outcome == Outcome.PASS

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = str(self.outcome)
        data["evidence_ids"] = list(self.evidence_ids)
        return data


def compare(value: float, comparator: str, threshold: float) -> bool:
    test, _larger_is_better = _COMPARATORS[comparator]
    return bool(test(value, threshold))


def format_number(value: float) -> str:
    return f"{value:.4g}"


def rule_label(rule: RuleSpec) -> str:
    """What the rule asks, in words (its description when the manager wrote one)."""
    if rule.description:
        return rule.description
    if rule.kind == Kind.METRIC_THRESHOLD:
        threshold = "?" if rule.threshold is None else format_number(rule.threshold)
        return f"metric {rule.metric_key} {rule.comparator} {threshold} on the best attached run"
    if rule.kind == Kind.ALL_RUNS_FINISHED:
        return "every attached run FINISHED"
    if rule.kind == Kind.PARAM_RECORDED:
        return f"param {rule.param_key} recorded on every attached run"
    if rule.kind == Kind.MODEL_ALIAS:
        return f"an attached model version has alias {rule.alias}"
    return rule.kind


def best_run(runs: Iterable[RunFacts], metric_key: str, comparator: str) -> tuple[RunFacts, float] | None:
    """The run with the best finite value of the metric for the comparator's direction (ties: first attached)."""
    _test, larger_is_better = _COMPARATORS[comparator]
    best: tuple[RunFacts, float] | None = None
    for run in runs:
        value = run.metrics.get(metric_key)
        if run.deleted or value is None or not math.isfinite(value):
            continue
        if best is None or (value > best[1] if larger_is_better else value < best[1]):
            best = (run, value)
    return best


def _result(rule: RuleSpec, outcome: Outcome, reason: str, evidence: Iterable[int] = ()) -> RuleResult:
    return RuleResult(rule.id, rule.kind, rule_label(rule), outcome, reason, tuple(evidence))


def _names(runs: Iterable[RunFacts | VersionFacts]) -> str:
    return ", ".join(run.label for run in runs)


def _metric_threshold(rule: RuleSpec, runs: Sequence[RunFacts]) -> RuleResult:
    if rule.comparator not in _COMPARATORS or rule.threshold is None or not rule.metric_key:
        return _result(rule, Outcome.FAIL, "The rule is incomplete: it needs a metric, a comparator and a threshold.")
    if not runs:
        return _result(rule, Outcome.NO_EVIDENCE, "No run is attached.")
    found = best_run(runs, rule.metric_key, rule.comparator)
    if found is None:
        return _result(rule, Outcome.NO_EVIDENCE, f"No attached run has a value for {rule.metric_key}.")
    run, value = found
    shown = f"{run.label} has {rule.metric_key} = {format_number(value)}"
    if compare(value, rule.comparator, rule.threshold):
        return _result(rule, Outcome.PASS, f"Best run {shown}.", [run.evidence_id])
    threshold = format_number(rule.threshold)
    return _result(rule, Outcome.FAIL, f"Best run {shown}, not {rule.comparator} {threshold}.", [run.evidence_id])


def _all_runs_finished(rule: RuleSpec, runs: Sequence[RunFacts]) -> RuleResult:
    if not runs:
        return _result(rule, Outcome.NO_EVIDENCE, "No run is attached.")
    deleted = [run for run in runs if run.deleted]
    unfinished = [run for run in runs if not run.deleted and run.status != FINISHED]
    if not deleted and not unfinished:
        return _result(rule, Outcome.PASS, f"All {len(runs)} attached runs are FINISHED.")
    problems = [f"{run.label} is {run.status or 'without status'}" for run in unfinished]
    problems += [f"{run.label} was deleted in MLflow" for run in deleted]
    return _result(rule, Outcome.FAIL, "; ".join(problems) + ".", [run.evidence_id for run in unfinished + deleted])


def _param_recorded(rule: RuleSpec, runs: Sequence[RunFacts]) -> RuleResult:
    if not runs:
        return _result(rule, Outcome.NO_EVIDENCE, "No run is attached.")
    missing = [run for run in runs if rule.param_key not in run.params]
    if not missing:
        return _result(rule, Outcome.PASS, f"Every attached run records {rule.param_key}.")
    return _result(
        rule, Outcome.FAIL, f"{rule.param_key} is not recorded on {_names(missing)}.", [r.evidence_id for r in missing]
    )


def _model_alias(rule: RuleSpec, versions: Sequence[VersionFacts]) -> RuleResult:
    if not versions:
        return _result(rule, Outcome.NO_EVIDENCE, "No model version is attached.")
    holders = [v for v in versions if not v.deleted and rule.alias in v.aliases]
    if holders:
        return _result(
            rule, Outcome.PASS, f"{_names(holders)} has alias {rule.alias}.", [v.evidence_id for v in holders]
        )
    return _result(rule, Outcome.FAIL, f"No attached model version has alias {rule.alias} ({_names(versions)}).")


def evaluate(rule: RuleSpec, runs: Sequence[RunFacts], versions: Sequence[VersionFacts]) -> RuleResult:
    if rule.kind == Kind.METRIC_THRESHOLD:
        return _metric_threshold(rule, runs)
    if rule.kind == Kind.ALL_RUNS_FINISHED:
        return _all_runs_finished(rule, runs)
    if rule.kind == Kind.PARAM_RECORDED:
        return _param_recorded(rule, runs)
    if rule.kind == Kind.MODEL_ALIAS:
        return _model_alias(rule, versions)
    return _result(rule, Outcome.FAIL, f"Unknown rule kind {rule.kind!r}.")


def evaluate_all(
    rules: Iterable[RuleSpec], runs: Sequence[RunFacts], versions: Sequence[VersionFacts]
) -> list[RuleResult]:
    return [evaluate(rule, runs, versions) for rule in rules]


def not_passed(results: Iterable[RuleResult]) -> list[RuleResult]:
    """Results that block a go without an override (a failure, or a rule nothing attached can answer)."""
    return [result for result in results if not result.passed]


def run_facts(evidence_id: int, snapshot: Mapping[str, Any]) -> RunFacts:
    """Facts of a run evidence snapshot (the shape ``metrics.evidence.services.reviews.run_snapshot`` writes)."""
    metrics = snapshot.get("metrics") or {}
    return RunFacts(
        evidence_id=evidence_id,
        label=str(snapshot.get("run_name") or snapshot.get("run_id") or evidence_id),
        status=str(snapshot.get("status") or ""),
        deleted=bool(snapshot.get("deleted")),
        metrics={str(k): (float(v) if isinstance(v, int | float) else None) for k, v in metrics.items()},
        params={str(k): str(v) for k, v in (snapshot.get("params") or {}).items()},
    )


def version_facts(evidence_id: int, snapshot: Mapping[str, Any]) -> VersionFacts:
    return VersionFacts(
        evidence_id=evidence_id,
        label=f"{snapshot.get('model_name', '?')} v{snapshot.get('version', '?')}",
        aliases=[str(alias) for alias in snapshot.get("aliases") or []],
        deleted=bool(snapshot.get("deleted")),
    )
