"""Automated gate criteria: which rules apply to a review, and managing them (audited).

Portfolio managers (program and project managers, and superusers: ``portfolio.access.can_manage_portfolio``)
add, change and deactivate rules. A rule is never deleted: decided reviews keep the results it gave, and the
audit trail says when it stopped applying.
"""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from lifecycle.choices import Phase
from lifecycle.models import GateReview, Project
from lifecycle.services.audit import audit_write
from metrics.evidence.choices import GateRuleKind
from metrics.evidence.models import GateRule
from metrics.evidence.rules import RuleSpec, rule_label
from metrics.mirror.choices import Comparator
from portal.exceptions import NotAllowed, ValidationFailed
from portfolio.access import can_manage_gate_rules
from portfolio.models import Portfolio

KEY_MAX = 250
DESCRIPTION_MAX = 300
# The fields a rule's kind uses; the others are kept empty so a rule never says more than it checks.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    GateRuleKind.METRIC_THRESHOLD: ("metric_key", "comparator", "threshold"),
    GateRuleKind.ALL_RUNS_FINISHED: (),
    GateRuleKind.PARAM_RECORDED: ("param_key",),
    GateRuleKind.MODEL_ALIAS: ("alias",),
}
_EMPTY: dict[str, Any] = {"metric_key": "", "comparator": "", "threshold": None, "param_key": "", "alias": ""}
EDITABLE = ("description", "metric_key", "comparator", "threshold", "param_key", "alias", "is_active")


def rules_applying(portfolio_id: int, phase: str, project_id: int | None) -> QuerySet[GateRule]:
    """Active rules of the gate ending `phase`: the portfolio's, plus the project's own."""
    scope = Q(project__isnull=True) | Q(project_id=project_id) if project_id else Q(project__isnull=True)
    return GateRule.objects.filter(scope, portfolio_id=portfolio_id, phase=phase, is_active=True).order_by("pk")


def spec_of(rule: GateRule) -> RuleSpec:
    return RuleSpec(
        id=rule.pk,
        kind=rule.kind,
        metric_key=rule.metric_key,
        comparator=rule.comparator,
        threshold=rule.threshold,
        param_key=rule.param_key,
        alias=rule.alias,
        description=rule.description,
    )


def rule_specs_for_review(review: GateReview) -> list[RuleSpec]:
    project = review.project
    return [spec_of(rule) for rule in rules_applying(project.portfolio_id, review.phase, project.pk)]


def rule_data(rule: GateRule) -> dict[str, Any]:
    return {
        "portfolio": rule.portfolio_id,
        "project": rule.project_id,
        "phase": rule.phase,
        "kind": rule.kind,
        "label": rule_label(spec_of(rule)),
        "metric_key": rule.metric_key,
        "comparator": rule.comparator,
        "threshold": rule.threshold,
        "param_key": rule.param_key,
        "alias": rule.alias,
        "description": rule.description,
        "is_active": rule.is_active,
    }


def _check_allowed(actor: Any, portfolio_id: int) -> None:
    if not can_manage_gate_rules(actor, portfolio_id):
        raise NotAllowed("Only the portfolio's program and project managers manage automated gate criteria.")


def _clean(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The kind's fields, stripped and checked; the other kind fields emptied."""
    if kind not in GateRuleKind.values:
        raise ValidationFailed(f"'{kind}' is not a rule kind.", details={"kind": "Invalid."})
    clean = dict(_EMPTY)
    errors: dict[str, str] = {}
    for name in KIND_FIELDS[kind]:
        value = values.get(name)
        if name == "threshold":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                errors[name] = "A finite number."
            else:
                clean[name] = float(value)
            continue
        text = str(value or "").strip()
        if not text:
            errors[name] = "Required for this kind of rule."
        elif len(text) > KEY_MAX:
            errors[name] = f"At most {KEY_MAX} characters."
        elif name == "comparator" and text not in Comparator.values:
            errors[name] = f"One of {', '.join(Comparator.values)}."
        else:
            clean[name] = text
    description = str(values.get("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"At most {DESCRIPTION_MAX} characters."
    if errors:
        raise ValidationFailed("The rule is incomplete or invalid.", details=errors)
    clean["description"] = description
    return clean


@transaction.atomic
def gate_rule_create(
    *, actor: Any, portfolio: Portfolio, phase: str, kind: str, project: Project | None = None, **values: Any
) -> GateRule:
    _check_allowed(actor, portfolio.pk)
    if phase not in Phase.values:
        raise ValidationFailed(f"'{phase}' is not a phase.", details={"phase": "Invalid."})
    if project is not None and project.portfolio_id != portfolio.pk:
        raise ValidationFailed("The project is not in this portfolio.", details={"project": "Other portfolio."})
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValidationFailed("Unknown rule fields.", details={name: "Unknown." for name in sorted(unknown)})
    rule = GateRule.objects.create(
        portfolio=portfolio,
        project=project,
        phase=phase,
        kind=kind,
        created_by=actor,
        is_active=bool(values.get("is_active", True)),
        **_clean(kind, values),
    )
    audit_write(actor=actor, action="gate_rule.create", target=rule, project=project, after=rule_data(rule))
    return rule


@transaction.atomic
def gate_rule_update(*, actor: Any, rule: GateRule, **changes: Any) -> GateRule:
    """Change a rule's description, thresholds or keys, or (de)activate it. Kind, gate and scope are fixed."""
    rule = GateRule.objects.select_for_update().get(pk=rule.pk)
    _check_allowed(actor, rule.portfolio_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            "Only the description, thresholds, keys and activity of a rule change; add a new rule for another gate.",
            details={name: "Not editable." for name in sorted(unknown)},
        )
    before = rule_data(rule)
    merged = {name: getattr(rule, name) for name in EDITABLE}
    merged.update(changes)
    for name, value in _clean(rule.kind, merged).items():
        setattr(rule, name, value)
    rule.is_active = bool(merged["is_active"])
    rule.save()
    after = rule_data(rule)
    if after != before:
        audit_write(
            actor=actor, action="gate_rule.update", target=rule, project=rule.project, before=before, after=after
        )
    return rule


def gate_rule_deactivate(*, actor: Any, rule: GateRule) -> GateRule:
    return gate_rule_update(actor=actor, rule=rule, is_active=False)


def rule_label_of(rule: GateRule) -> str:
    return rule_label(spec_of(rule))
