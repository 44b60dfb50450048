"""MLflow evidence on gate reviews: attach and detach runs and model versions, evaluate the automated criteria,
and say what changed in the mirror since the decision (``decision`` freezes both with it).

Attach and detach lock the project then the review (the order ``gate_decide`` uses), so an attach racing a
decision either lands before it (and is frozen with it) or finds the review decided and is refused (409).
Who may attach: the people who contribute artifacts to the project (``portfolio.access.can_contribute_artifacts``:
its managers and the delivery roles, data scientists first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from lifecycle.models import GateReview, Project
from lifecycle.services.audit import audit_write
from metrics.evidence.choices import EvidenceKind
from metrics.evidence.models import GateEvidence
from metrics.evidence.rules import (
    RuleResult,
    RunFacts,
    VersionFacts,
    evaluate_all,
    not_passed,
    run_facts,
    version_facts,
)
from metrics.evidence.services import rules as rule_services
from metrics.evidence.services.locking import clean_note, review_lock
from metrics.evidence.services.requests import (
    can_request_evidence,
    evidence_request_candidates,
    evidence_requests_fulfil,
    review_evidence_requests,
)
from metrics.mirror.models import ExperimentLink, MlflowRun, ModelVersionMirror, RegisteredModelLink
from metrics.snapshots.detail import iso_or_none
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from portfolio.access import can_attach_evidence

# Tags MLflow writes itself (source, user, git commit...): not what a reviewer compares.
SYSTEM_TAG_PREFIX = "mlflow."


# --- snapshots ---------------------------------------------------------------------------------------------------


def run_snapshot(run: MlflowRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "run_name": run.run_name,
        "experiment_id": run.experiment_id,
        "server": run.server.name,
        "status": run.status,
        "deleted": run.deleted,
        "start_time": iso_or_none(run.start_time),
        "end_time": iso_or_none(run.end_time),
        "artifact_uri": run.artifact_uri,
        "metrics": dict(run.metrics),
        "params": dict(run.params),
        "tags": dict(run.tags),
    }


def version_snapshot(version: ModelVersionMirror) -> dict[str, Any]:
    return {
        "model_name": version.model_name,
        "version": version.version,
        "server": version.server.name,
        "aliases": sorted(version.aliases),
        "tags": dict(version.tags),
        "status": version.status,
        "source": version.source,
        "source_run_id": version.source_run_id,
        "deleted": version.deleted,
    }


def live_snapshot(evidence: GateEvidence) -> dict[str, Any]:
    """What the mirror holds now for the evidence's run or version (select_related run__server etc.)."""
    if evidence.kind == EvidenceKind.RUN:
        assert evidence.run is not None
        return run_snapshot(evidence.run)
    assert evidence.model_version is not None
    return version_snapshot(evidence.model_version)


def evidence_label(snapshot: Mapping[str, Any]) -> str:
    if "model_name" in snapshot:
        return f"{snapshot['model_name']} v{snapshot['version']}"
    return str(snapshot.get("run_name") or snapshot.get("run_id"))


# --- reading -----------------------------------------------------------------------------------------------------


def review_evidence(review: GateReview) -> QuerySet[GateEvidence]:
    return GateEvidence.objects.filter(review=review).select_related(
        "run__server", "model_version__server", "attached_by"
    )


def runs_linked_to(project: Project) -> QuerySet[MlflowRun]:
    """Runs of the project's linked experiments (deleted ones included: the caller decides)."""
    links = list(ExperimentLink.objects.filter(project=project).values_list("server_id", "experiment_id"))
    if not links:
        return MlflowRun.objects.none()
    scope = Q()
    for server_id, experiment_id in links:
        scope |= Q(server_id=server_id, experiment_id=experiment_id)
    return MlflowRun.objects.filter(scope)


def versions_linked_to(project: Project) -> QuerySet[ModelVersionMirror]:
    links = list(RegisteredModelLink.objects.filter(project=project).values_list("server_id", "model_name"))
    if not links:
        return ModelVersionMirror.objects.none()
    scope = Q()
    for server_id, model_name in links:
        scope |= Q(server_id=server_id, model_name=model_name)
    return ModelVersionMirror.objects.filter(scope)


def facts_of(rows: Iterable[tuple[GateEvidence, Mapping[str, Any]]]) -> tuple[list[RunFacts], list[VersionFacts]]:
    runs: list[RunFacts] = []
    versions: list[VersionFacts] = []
    for evidence, snapshot in rows:
        if evidence.kind == EvidenceKind.RUN:
            runs.append(run_facts(evidence.pk, snapshot))
        else:
            versions.append(version_facts(evidence.pk, snapshot))
    return runs, versions


@dataclass
class Change:
    evidence_id: int
    label: str
    what: str
    before: Any = None
    after: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "evidence_id": self.evidence_id,
            "label": self.label,
            "what": self.what,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class ReviewEvidence:
    """The evidence of a review with the snapshot each row is judged on, the rule results and, once decided,
    what changed in the mirror since the decision."""

    rows: list[tuple[GateEvidence, dict[str, Any]]]
    results: list[RuleResult]
    changes: list[Change] = field(default_factory=list)
    decided: bool = False

    @property
    def changed_since_decision(self) -> bool:
        return bool(self.changes)

    def changes_of(self, evidence_id: int) -> list[Change]:
        return [change for change in self.changes if change.evidence_id == evidence_id]


def review_evidence_state(review: GateReview) -> ReviewEvidence:
    """Open review: every row judged on the live mirror and the active rules evaluated now. Decided review: the
    frozen snapshots, the results stored with the decision, and the differences with the live mirror."""
    evidence = list(review_evidence(review))
    if review.is_open:
        rows = [(item, live_snapshot(item)) for item in evidence]
        runs, versions = facts_of(rows)
        return ReviewEvidence(
            rows=rows, results=evaluate_all(rule_services.rule_specs_for_review(review), runs, versions)
        )
    rows = [(item, item.decision_snapshot or item.snapshot) for item in evidence]
    changes = [change for item, frozen in rows for change in snapshot_changes(item.pk, frozen, live_snapshot(item))]
    return ReviewEvidence(rows=rows, results=stored_results(review), changes=changes, decided=True)


def stored_results(review: GateReview) -> list[RuleResult]:
    from metrics.evidence.rules import Outcome

    results = []
    for item in (review.evidence or {}).get("rules", []):
        results.append(
            RuleResult(
                rule_id=item["rule_id"],
                kind=item["kind"],
                label=item["label"],
                outcome=Outcome(item["outcome"]),
                reason=item["reason"],
                evidence_ids=tuple(item.get("evidence_ids", [])),
            )
        )
    return results


# --- what changed since the decision -----------------------------------------------------------------------------


def _mapping_changes(
    evidence_id: int, label: str, noun: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[Change]:
    changes = []
    for key in sorted(set(before) | set(after)):
        if noun == "tag" and key.startswith(SYSTEM_TAG_PREFIX):
            continue
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key not in after:
            what = f"{noun} {key} removed"
        elif key not in before:
            what = f"{noun} {key} added"
        else:
            what = f"{noun} {key} changed"
        changes.append(Change(evidence_id, label, what, old, new))
    return changes


def snapshot_changes(evidence_id: int, frozen: Mapping[str, Any], live: Mapping[str, Any]) -> list[Change]:
    """Differences that matter to a decision between the frozen snapshot and the live mirror."""
    label = evidence_label(frozen)
    changes: list[Change] = []
    if live.get("deleted") and not frozen.get("deleted"):
        noun = "version" if "model_name" in frozen else "run"
        changes.append(Change(evidence_id, label, f"{noun} deleted in MLflow", False, True))
    if frozen.get("status") != live.get("status"):
        changes.append(Change(evidence_id, label, "status changed", frozen.get("status"), live.get("status")))
    if "model_name" in frozen:
        old, new = set(frozen.get("aliases") or []), set(live.get("aliases") or [])
        for alias in sorted(old - new):
            changes.append(Change(evidence_id, label, f"alias {alias} moved or removed", alias, None))
        for alias in sorted(new - old):
            changes.append(Change(evidence_id, label, f"alias {alias} added", None, alias))
        changes += _mapping_changes(evidence_id, label, "tag", frozen.get("tags") or {}, live.get("tags") or {})
        return changes
    for noun, key in (("metric", "metrics"), ("param", "params"), ("tag", "tags")):
        changes += _mapping_changes(evidence_id, label, noun, frozen.get(key) or {}, live.get(key) or {})
    return changes


# --- writing -----------------------------------------------------------------------------------------------------


def _lock_open_review(actor: Any, review: GateReview, verb: str) -> GateReview:
    """Lock project then review; refuse unless the actor may contribute and it is open."""
    locked = review_lock(review)
    if not can_attach_evidence(actor, locked.project):
        raise NotAllowed(f"Only the project's managers and contributors (data scientists first) {verb} evidence.")
    if not locked.is_open:
        raise TransitionNotAllowed("This review is decided; its evidence is frozen.")
    return locked


def _create(review: GateReview, actor: Any, **fields: Any) -> GateEvidence:
    try:
        with transaction.atomic():
            return GateEvidence.objects.create(review=review, attached_by=actor, attached_at=timezone.now(), **fields)
    except IntegrityError as exc:  # the partial unique constraints: already attached to this review
        raise ValidationFailed("This is already attached to the review.", details={"evidence": "Duplicate."}) from exc


def _audit_attach(actor: Any, review: GateReview, evidence: GateEvidence) -> None:
    """The attach's audit record; the evidence also fulfils what was asked of the actor on this review."""
    audit_write(
        actor=actor,
        action="gate.evidence_attach",
        target=review,
        project=review.project,
        after={"evidence_id": evidence.pk, "kind": evidence.kind, "snapshot": evidence.snapshot},
        reason=evidence.note,
    )
    evidence_requests_fulfil(actor=actor, review=review)


@transaction.atomic
def evidence_attach_run(*, actor: Any, review: GateReview, run_id: str, note: str = "") -> GateEvidence:
    """Attach a mirrored run of one of the project's linked experiments, with a snapshot of it."""
    review = _lock_open_review(actor, review, "attach")
    note = clean_note(note)
    run = runs_linked_to(review.project).select_related("server").filter(run_id=(run_id or "").strip()).first()
    if run is None:
        raise ValidationFailed(
            "No run with this id in the project's linked experiments (sync them first?).",
            details={"run_id": "Unknown."},
        )
    if run.deleted:
        raise ValidationFailed("This run was deleted in MLflow.", details={"run_id": "Deleted."})
    evidence = _create(review, actor, kind=EvidenceKind.RUN, run=run, snapshot=run_snapshot(run), note=note)
    _audit_attach(actor, review, evidence)
    return evidence


@transaction.atomic
def evidence_attach_model_version(
    *, actor: Any, review: GateReview, model_name: str, version: int, note: str = ""
) -> GateEvidence:
    """Attach a mirrored version of one of the project's linked registered models."""
    review = _lock_open_review(actor, review, "attach")
    note = clean_note(note)
    mirror = (
        versions_linked_to(review.project)
        .select_related("server")
        .filter(model_name=(model_name or "").strip(), version=version)
        .first()
    )
    if mirror is None:
        raise ValidationFailed(
            "No such version of a registered model linked to the project (sync it first?).",
            details={"model_version": "Unknown."},
        )
    if mirror.deleted:
        raise ValidationFailed("This model version was deleted in MLflow.", details={"model_version": "Deleted."})
    evidence = _create(
        review,
        actor,
        kind=EvidenceKind.MODEL_VERSION,
        model_version=mirror,
        snapshot=version_snapshot(mirror),
        note=note,
    )
    _audit_attach(actor, review, evidence)
    return evidence


@transaction.atomic
def evidence_detach(*, actor: Any, evidence: GateEvidence, reason: str = "") -> None:
    review = _lock_open_review(actor, GateReview.objects.get(pk=evidence.review_id), "detach")
    evidence = GateEvidence.objects.select_for_update().get(pk=evidence.pk)
    before = {"evidence_id": evidence.pk, "kind": evidence.kind, "snapshot": evidence.snapshot}
    evidence.delete()
    audit_write(
        actor=actor,
        action="gate.evidence_detach",
        target=review,
        project=review.project,
        before=before,
        reason=(reason or "").strip(),
    )


def review_evidence_context(user: Any, review: GateReview) -> dict[str, Any]:
    """What a gate review's detail and decide pages show of its MLflow evidence and automated criteria."""
    state = review_evidence_state(review)
    can_ask = review.is_open and can_request_evidence(user, review)
    return {
        "state": state,
        "failing_rules": not_passed(state.results),
        "can_attach": review.is_open and can_attach_evidence(user, review.project),
        "evidence_requests": list(review_evidence_requests(review)),
        "can_request_evidence": can_ask,
        "evidence_request_candidates": list(evidence_request_candidates(review)) if can_ask else [],
    }
