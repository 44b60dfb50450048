"""Writes of the health inputs: status reports, risks and issues.

Benefits and their measurements are in ``services.benefits``. Same conventions as ``services.resources``
(keyword-only, atomic, checked, audited).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from lifecycle.choices import RAG
from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from metrics.formulas.bands import Rag
from metrics.formulas.portfolio import OverallRag, overall_rag
from metrics.input_rules import (
    Errors,
    check_member,
    raise_if_errors,
    read_choice,
    read_date,
    read_decimal,
    read_text,
    require_manager,
    update_and_audit,
)
from metrics.portfolio_inputs.choices import RISK_IMPACT_RANGE, IssueSeverity, RiskState
from metrics.portfolio_inputs.models import Issue, Risk, StatusReport
from metrics.snapshots.requests import compute_request_for_project
from portal.exceptions import TransitionNotAllowed, ValidationFailed
from portal.models import User

TITLE_MAX_LENGTH = 200

# --- status reports -------------------------------------------------------------------------------------------

DIMENSIONS = ("schedule", "cost", "risk", "issues")


def status_report_snapshot(report: StatusReport) -> dict[str, Any]:
    return {
        "as_of": report.as_of,
        **{f"{name}_rag": getattr(report, f"{name}_rag") for name in DIMENSIONS},
        "override_rag": report.override_rag,
        "override_reason": report.override_reason,
        "derived_rag": report.derived_rag,
        "overall_rag": report.overall_rag,
        "percent_complete": report.percent_complete,
        "summary": report.summary,
    }


@dataclass(frozen=True)
class _StatusReportFields:
    """The fields of a status report as read; ``day`` is None only when invalid (then errors say why)."""

    day: datetime.date | None
    rags: dict[str, str]
    override: str
    reason: str
    percent: Decimal | None


def _read_status_report(
    errors: Errors,
    project: Project,
    *,
    as_of: Any,
    dimension_values: tuple[str, str, str, str],
    override: str,
    override_reason: str,
    percent_complete: Any,
) -> _StatusReportFields:
    """Read every field into ``errors`` (all problems at once); a report is never dated before the latest one
    nor in the future, since the latest is the current one."""
    day = read_date(errors, "as_of", as_of)
    rags = {
        name: read_choice(errors, name, value, RAG, required=False)
        for name, value in zip(DIMENSIONS, dimension_values, strict=True)
    }
    override = read_choice(errors, "override", override, RAG, required=False)
    for name, value in (*rags.items(), ("override", override)):
        if value == RAG.NOT_ASSESSED:  # a person rates green, yellow or red; blank is "not assessed"
            errors[name] = "One of green, yellow, red (blank: not assessed)."
    reason = read_text(errors, "override_reason", override_reason, max_length=2000, required=bool(override))
    if override and not reason:
        errors["override_reason"] = "Say why the overall RAG is overridden."
    if not override and reason:
        errors["override_reason"] = "A reason is given only with an override."
    percent = None
    if percent_complete is not None and percent_complete != "":
        percent = read_decimal(errors, "percent_complete", percent_complete, places=4, maximum=1, max_digits=5)
    if not any(rags.values()) and not override:
        errors["schedule"] = "Assess at least one dimension (schedule, cost, risk, issues) or override."
    if day is not None:
        latest = StatusReport.objects.filter(project=project).order_by("-as_of", "-id").first()
        if latest is not None and day < latest.as_of:
            errors["as_of"] = f"The latest report is as of {latest.as_of}; a new one cannot be dated earlier."
        if day > timezone.localdate():
            errors["as_of"] = "A status report cannot be dated in the future."
    return _StatusReportFields(day=day, rags=rags, override=override, reason=reason, percent=percent)


def _overall_of(fields: _StatusReportFields) -> OverallRag:
    """The overall RAG of checked fields (``metrics.formulas.portfolio.overall_rag``)."""
    dimension = {name: Rag(fields.rags[name]) if fields.rags[name] else None for name in DIMENSIONS}
    return overall_rag(
        dimension["schedule"],
        dimension["cost"],
        dimension["risk"],
        dimension["issues"],
        override=Rag(fields.override) if fields.override else None,
        override_reason=fields.reason,
    )


@transaction.atomic
def status_report_submit(
    *,
    actor: User,
    project: Project,
    as_of: Any,
    schedule: str = "",
    cost: str = "",
    risk: str = "",
    issues: str = "",
    override: str = "",
    override_reason: str = "",
    percent_complete: Any = None,
    summary: str = "",
) -> StatusReport:
    """Append a status report: the PM's view of the project's health, shown beside the computed overall RAG.

    The report's overall = worst of the four dimension RAGs the PM gave (blank = not assessed) unless they
    override it, which needs a reason (``metrics.formulas.portfolio.overall_rag``). It does not set the
    project's overall RAG: that is computed from the inputs (a manager overrides it with ``services.rag``);
    the recompute requested here stores the report beside it. Reports are never edited: the latest is current,
    so a report may not be dated before the latest one nor in the future.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    require_manager(actor, project, "submit status reports")
    errors: Errors = {}
    fields = _read_status_report(
        errors,
        project,
        as_of=as_of,
        dimension_values=(schedule, cost, risk, issues),
        override=override,
        override_reason=override_reason,
        percent_complete=percent_complete,
    )
    raise_if_errors(errors, "The status report is invalid.")
    assert fields.day is not None  # checked above
    result = _overall_of(fields)
    assert result.value is not None  # at least one dimension or an override, checked above
    report = StatusReport.objects.create(
        project=project,
        as_of=fields.day,
        **{f"{name}_rag": fields.rags[name] for name in DIMENSIONS},
        override_rag=fields.override,
        override_reason=result.reason,
        derived_rag=result.derived.value if result.derived else "",
        overall_rag=result.value.value,
        percent_complete=fields.percent,
        summary=summary.strip(),
        author=actor,
    )
    audit_write(
        actor=actor,
        action="status_report.submit",
        target=report,
        project=project,
        after=status_report_snapshot(report),
        reason=result.reason,
    )
    compute_request_for_project(project)
    return report


# --- risks ----------------------------------------------------------------------------------------------------

RISK_FIELDS = ("title", "description", "probability", "impact", "owner", "mitigation")


def risk_snapshot(risk: Risk) -> dict[str, Any]:
    return {
        "title": risk.title,
        "description": risk.description,
        "probability": risk.probability,
        "impact": risk.impact,
        "owner": risk.owner_id,
        "mitigation": risk.mitigation,
        "state": risk.state,
        "opened_on": risk.opened_on,
        "closed_on": risk.closed_on,
    }


def _read_impact(errors: Errors, value: Any) -> int | None:
    low, high = RISK_IMPACT_RANGE
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors["impact"] = f"A whole number from {low} to {high}."
        return None
    try:
        impact = int(value)
    except ValueError:
        errors["impact"] = f"A whole number from {low} to {high}."
        return None
    if not low <= impact <= high:
        errors["impact"] = f"A whole number from {low} to {high}."
        return None
    return impact


def _risk_fields(errors: Errors, project: Project, values: dict[str, Any]) -> dict[str, Any]:
    owner = values.get("owner")
    check_member(errors, "owner", owner, project.portfolio_id)
    return {
        "title": read_text(errors, "title", values.get("title"), max_length=TITLE_MAX_LENGTH),
        "description": read_text(errors, "description", values.get("description"), max_length=10_000, required=False),
        "probability": read_decimal(errors, "probability", values.get("probability"), maximum=1, max_digits=3),
        "impact": _read_impact(errors, values.get("impact")),
        "owner": owner,
        "mitigation": read_text(errors, "mitigation", values.get("mitigation"), max_length=10_000, required=False),
    }


@transaction.atomic
def risk_add(
    *,
    actor: User,
    project: Project,
    title: str,
    probability: Any,
    impact: Any,
    owner: User | None = None,
    opened_on: Any = None,
    description: str = "",
    mitigation: str = "",
) -> Risk:
    require_manager(actor, project, "edit the risk register")
    errors: Errors = {}
    values = {"title": title, "description": description, "probability": probability, "impact": impact}
    fields = _risk_fields(errors, project, {**values, "owner": owner, "mitigation": mitigation})
    opened = read_date(errors, "opened_on", opened_on or timezone.localdate())
    raise_if_errors(errors, "The risk is invalid.")
    assert opened is not None  # checked above
    risk = Risk.objects.create(project=project, state=RiskState.OPEN, opened_on=opened, **fields)
    audit_write(actor=actor, action="risk.add", target=risk, project=project, after=risk_snapshot(risk))
    compute_request_for_project(project)
    return risk


@transaction.atomic
def risk_update(*, actor: User, risk: Risk, changes: dict[str, Any], reason: str = "") -> Risk:
    """Re-assess a risk (probability, impact, owner, texts). State changes through ``risk_close`` only."""
    risk = Risk.objects.select_for_update().select_related("project").get(pk=risk.pk)
    require_manager(actor, risk.project, "edit the risk register")
    unknown = set(changes) - set(RISK_FIELDS)
    if unknown:
        raise ValidationFailed("These fields cannot be changed here: " + ", ".join(sorted(unknown)) + ".")
    errors: Errors = {}
    current = {name: getattr(risk, name) for name in RISK_FIELDS}
    fields = _risk_fields(errors, risk.project, {**current, **changes})
    raise_if_errors(errors, "The risk is invalid.")
    changed = update_and_audit(
        actor=actor,
        instance=risk,
        fields=fields,
        snapshot=risk_snapshot,
        action="risk.update",
        project=risk.project,
        reason=reason,
    )
    if changed:
        compute_request_for_project(risk.project)
    return risk


@transaction.atomic
def risk_close(*, actor: User, risk: Risk, closed_on: Any = None, reason: str = "") -> Risk:
    risk = Risk.objects.select_for_update().select_related("project").get(pk=risk.pk)
    require_manager(actor, risk.project, "edit the risk register")
    if risk.state == RiskState.CLOSED:
        raise TransitionNotAllowed(f"The risk was already closed on {risk.closed_on}.")
    errors: Errors = {}
    day = read_date(errors, "closed_on", closed_on or timezone.localdate())
    if day is not None and day < risk.opened_on:
        errors["closed_on"] = f"A risk cannot close ({day}) before it opened ({risk.opened_on})."
    raise_if_errors(errors, "The risk cannot be closed so.")
    risk.state, risk.closed_on = RiskState.CLOSED, day
    risk.save(update_fields=["state", "closed_on"])
    audit_write(
        actor=actor,
        action="risk.close",
        target=risk,
        project=risk.project,
        before={"state": RiskState.OPEN, "closed_on": None},
        after={"state": RiskState.CLOSED, "closed_on": day},
        reason=reason.strip(),
    )
    compute_request_for_project(risk.project)
    return risk


# --- issues ---------------------------------------------------------------------------------------------------


@transaction.atomic
def issue_open(
    *,
    actor: User,
    project: Project,
    title: str,
    severity: str,
    opened_on: Any = None,
    owner: User | None = None,
    description: str = "",
) -> Issue:
    require_manager(actor, project, "edit the issue log")
    errors: Errors = {}
    fields = {
        "title": read_text(errors, "title", title, max_length=TITLE_MAX_LENGTH),
        "severity": read_choice(errors, "severity", severity, IssueSeverity),
        "opened_on": read_date(errors, "opened_on", opened_on or timezone.localdate()),
        "description": read_text(errors, "description", description, max_length=10_000, required=False),
    }
    check_member(errors, "owner", owner, project.portfolio_id)
    raise_if_errors(errors, "The issue is invalid.")
    issue = Issue.objects.create(project=project, owner=owner, **fields)
    audit_write(
        actor=actor,
        action="issue.open",
        target=issue,
        project=project,
        after={**fields, "owner": owner.pk if owner else None},
    )
    compute_request_for_project(project)
    return issue


@transaction.atomic
def issue_close(*, actor: User, issue: Issue, closed_on: Any = None, resolution: str = "") -> Issue:
    issue = Issue.objects.select_for_update().select_related("project").get(pk=issue.pk)
    require_manager(actor, issue.project, "edit the issue log")
    if issue.closed_on is not None:
        raise TransitionNotAllowed(f"The issue was already closed on {issue.closed_on}.")
    errors: Errors = {}
    day = read_date(errors, "closed_on", closed_on or timezone.localdate())
    text = read_text(errors, "resolution", resolution, max_length=10_000, required=False)
    if day is not None and day < issue.opened_on:
        errors["closed_on"] = f"An issue cannot close ({day}) before it opened ({issue.opened_on})."
    raise_if_errors(errors, "The issue cannot be closed so.")
    issue.closed_on, issue.resolution = day, text
    issue.save(update_fields=["closed_on", "resolution"])
    audit_write(
        actor=actor,
        action="issue.close",
        target=issue,
        project=issue.project,
        before={"closed_on": None},
        after={"closed_on": day, "resolution": text},
    )
    compute_request_for_project(issue.project)
    return issue
