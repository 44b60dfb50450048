"""CSV imports of the health inputs of a project: status reports, risks, issues, benefits and milestones.

Same conventions as ``imports.resources`` (column names are the services' field names; people by username
or e-mail), mirroring the services (``services.health``, ``services.benefits``, ``services.milestones``).
"""

from __future__ import annotations

import contextlib
from decimal import Decimal, InvalidOperation
from typing import Any

from lifecycle.models import SuccessMetric
from metrics.imports.base import Column, register_import
from metrics.portfolio_inputs.imports.resources import ProjectImport, find_person, renamed, sort_key_date
from metrics.portfolio_inputs.models import Benefit, Issue, Risk
from metrics.portfolio_inputs.services import benefits, health
from metrics.portfolio_inputs.services.milestones import milestone_set
from portal.exceptions import ValidationFailed
from portal.models import User

# --- status, risks, issues ------------------------------------------------------------------------------------


@register_import
class StatusReportImport(ProjectImport):
    kind = "status-reports"
    section = "status"
    label = "Status reports"
    description = (
        "Status history, applied oldest first; the latest report sets the project's overall RAG. "
        "A report may not be dated before the latest one already recorded."
    )
    columns = (
        Column("as_of", help="The date of the report (YYYY-MM-DD), not in the future.", example="2026-03-31"),
        Column("schedule", required=False, help="green, yellow or red (blank: not assessed).", example="green"),
        Column("cost", required=False, help="green, yellow or red.", example="yellow"),
        Column("risk", required=False, help="green, yellow or red.", example="green"),
        Column("issues", required=False, help="green, yellow or red.", example="green"),
        Column("override", required=False, help="Overall RAG set by the manager instead of the worst.", example=""),
        Column("override_reason", required=False, help="Required with an override.", example=""),
        Column(
            "percent_complete",
            required=False,
            help="Actual progress: a fraction 0-1 (0.45) or a percentage (45%).",
            example="0.45",
        ),
        Column("summary", required=False, help="What happened, what is next.", example="Model v2 in review"),
    )

    def ordered(self, rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, dict[str, str]]]:
        return sorted(rows, key=lambda item: sort_key_date(item[1].get("as_of", "")))

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        percent: Any = row.get("percent_complete", "")
        if percent.endswith("%"):
            # Left as written when unreadable: the service names it "not a number".
            with contextlib.suppress(InvalidOperation, ValueError):
                percent = str(Decimal(percent[:-1].strip()) / 100)
        health.status_report_submit(
            actor=actor,
            project=scope,
            as_of=row["as_of"],
            **{name: row.get(name, "").lower() for name in ("schedule", "cost", "risk", "issues", "override")},
            override_reason=row.get("override_reason", ""),
            percent_complete=percent,
            summary=row.get("summary", ""),
        )


@register_import
class RiskImport(ProjectImport):
    kind = "risks"
    section = "risks"
    label = "Risks"
    description = (
        "The risk register. A title already in the register updates that risk; a closing date closes it. "
        "Closed risks are not reopened."
    )
    columns = (
        Column("title", help="Identifies the risk in the project.", example="Labelled data arrives late"),
        Column("probability", help="0 to 1.", example="0.4"),
        Column("impact", help="1 (minor) to 5 (severe).", example="4"),
        Column("owner", required=False, help="Username or e-mail of a member of the portfolio.", example="pm"),
        Column("opened_on", required=False, help="YYYY-MM-DD; default today (new risks only).", example="2026-02-10"),
        Column("closed_on", required=False, help="YYYY-MM-DD: closes the risk.", example=""),
        Column("description", required=False, help="", example=""),
        Column("mitigation", required=False, help="", example="Second labelling vendor on standby"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        owner = find_person(row.get("owner", ""), "owner", required=False)
        values: dict[str, Any] = {
            "title": row["title"],
            "probability": row["probability"],
            "impact": row["impact"],
            "owner": owner,
            "description": row.get("description", ""),
            "mitigation": row.get("mitigation", ""),
        }
        risk = Risk.objects.filter(project=scope, title=row["title"]).order_by("-id").first()
        if risk is None:
            risk = health.risk_add(actor=actor, project=scope, opened_on=row.get("opened_on") or None, **values)
        elif risk.closed_on is not None:
            if not row.get("closed_on"):
                raise ValidationFailed(
                    f"The risk {risk.title!r} was closed on {risk.closed_on}; risks are not reopened.",
                    details={"closed_on": f"Closed on {risk.closed_on}."},
                )
            return
        else:
            health.risk_update(actor=actor, risk=risk, changes=values, reason="CSV import")
        if row.get("closed_on"):
            health.risk_close(actor=actor, risk=risk, closed_on=row["closed_on"], reason="CSV import")


@register_import
class IssueImport(ProjectImport):
    kind = "issues"
    section = "issues"
    label = "Issues"
    description = (
        "The issue log. A new title opens an issue; a closing date closes it (also for an issue already open "
        "with that title)."
    )
    columns = (
        Column("title", help="Identifies the issue in the project.", example="Feature store outage"),
        Column("severity", help="low, medium, high or critical.", example="high"),
        Column("opened_on", required=False, help="YYYY-MM-DD; default today.", example="2026-03-09"),
        Column("owner", required=False, help="Username or e-mail of a member of the portfolio.", example="pm"),
        Column("closed_on", required=False, help="YYYY-MM-DD: closes the issue.", example="2026-03-12"),
        Column("resolution", required=False, help="How it was resolved.", example="Failover replica"),
        Column("description", required=False, help="", example=""),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        issue = Issue.objects.filter(project=scope, title=row["title"]).order_by("-id").first()
        severity = row["severity"].lower()
        if issue is None:
            owner = find_person(row.get("owner", ""), "owner", required=False)
            issue = health.issue_open(
                actor=actor,
                project=scope,
                title=row["title"],
                severity=severity,
                opened_on=row.get("opened_on") or None,
                owner=owner,
                description=row.get("description", ""),
            )
        elif issue.severity != severity:
            raise ValidationFailed(
                f"The issue {issue.title!r} is already logged with severity {issue.severity}; issues are not edited.",
                details={"severity": f"Logged as {issue.severity}."},
            )
        if row.get("closed_on") and issue.closed_on is None:
            health.issue_close(
                actor=actor, issue=issue, closed_on=row["closed_on"], resolution=row.get("resolution", "")
            )


# --- benefits and milestones ----------------------------------------------------------------------------------


@register_import
class BenefitMeasurementImport(ProjectImport):
    kind = "benefit-measurements"
    section = "benefits"
    label = "Benefit measurements"
    description = (
        "Planned and realized value of a benefit per period; a period already recorded is replaced. "
        "A benefit not defined yet is created, tied to the charter success metric named in success_metric."
    )
    columns = (
        Column("benefit", help="The benefit's name.", example="Churn reduction"),
        Column("period_end", help="Last day of the period (YYYY-MM-DD).", example="2026-03-31"),
        Column("planned", help="Value planned for the period, 0 or more.", example="25000"),
        Column("realized", required=False, help="Value realized (blank: not measured yet).", example="18000"),
        Column(
            "success_metric",
            required=False,
            help="Name of the charter success metric (new benefits only).",
            example="Monthly churn",
        ),
        Column("unit", required=False, help="Unit of the values (new benefits only).", example="EUR"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        benefit = Benefit.objects.filter(project=scope, name=row["benefit"]).first()
        if benefit is None:
            benefit = self._new_benefit(actor, scope, row)
        benefits.benefit_measurement_record(
            actor=actor,
            benefit=benefit,
            period_end=row["period_end"],
            planned=row["planned"],
            realized=row.get("realized") or None,
        )

    def _new_benefit(self, actor: User, scope: Any, row: dict[str, str]) -> Benefit:
        metric = None
        metric_name = row.get("success_metric", "")
        if metric_name:
            metric = SuccessMetric.objects.filter(charter__project=scope, name=metric_name).first()
            if metric is None:
                message = f"The charter has no success metric named {metric_name!r}."
                raise ValidationFailed(message, details={"success_metric": message})
        try:
            return benefits.benefit_add(
                actor=actor, project=scope, name=row["benefit"], success_metric=metric, unit=row.get("unit", "")
            )
        except ValidationFailed as exc:
            raise renamed(exc, {"name": "benefit"}) from exc


@register_import
class MilestoneImport(ProjectImport):
    kind = "milestones"
    section = "milestones"
    label = "Milestones"
    description = (
        "The charter's milestones: a name already in the charter updates its due date and done flag, a new name "
        "is added. Each changed milestone is a new charter version."
    )
    columns = (
        Column("name", help="The milestone's name, as in the charter.", example="Model in production"),
        Column("due_date", required=False, help="YYYY-MM-DD.", example="2026-06-30"),
        Column("done", required=False, help="yes or no (default no).", example="no"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        milestone_set(
            actor=actor,
            project=scope,
            name=row["name"],
            due_date=row.get("due_date") or None,
            done=row.get("done", ""),
            note="CSV import",
        )
