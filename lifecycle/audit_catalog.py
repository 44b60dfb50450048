"""What each audit action means to a reader: its kind (for filtering) and a label that reads after a person's name.

Data only, keyed by the action string that ``lifecycle.services.audit.audit_write`` stores, so the actions of the
upper apps (metrics, collaboration) are labelled here without lifecycle importing them. An action missing here (a
newer version's, say) still shows, as its code, under "Other". tests/lifecycle/test_history.py collects every action
the code writes and fails when one has no entry, or an entry no longer matches any write.
"""

from dataclasses import dataclass

from django.db import models


class AuditKind(models.TextChoices):
    PROJECT = "project", "Project"
    CHARTER = "charter", "Charter"
    CHECKLIST = "checklist", "Checklist"
    RACI = "raci", "RACI"
    ARTIFACTS = "artifacts", "Artifacts"
    GATES = "gates", "Gate reviews"
    INPUTS = "inputs", "Metrics inputs"
    DEPLOYMENTS = "deployments", "Deployments and alerts"
    MLFLOW = "mlflow", "MLflow links"
    COMMENTS = "comments", "Comments"
    ACCESS = "access", "Access and reference data"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class AuditEntry:
    kind: str
    label: str


def _entries(kind: AuditKind, labels: dict[str, str]) -> dict[str, AuditEntry]:
    return {action: AuditEntry(kind, label) for action, label in labels.items()}


AUDIT_CATALOG: dict[str, AuditEntry] = {
    **_entries(
        AuditKind.PROJECT,
        {
            "project.create": "created the project",
            "project.update": "edited the project's details",
            "project.resume": "took the project off hold",
            "project.phase_change": "moved the project to another phase",
            "project.state_change": "changed the project's state",
            "project.rag_recompute": "recomputed the project's RAG status",
        },
    ),
    **_entries(AuditKind.CHARTER, {"charter.update": "updated the charter"}),
    **_entries(
        AuditKind.CHECKLIST,
        {
            "activity.add": "added a checklist activity",
            "activity.rename": "renamed a checklist activity",
            "activity.done": "ticked off a checklist activity",
            "activity.reopen": "reopened a checklist activity",
            "activity.remove": "removed a checklist activity",
        },
    ),
    **_entries(AuditKind.RACI, {"raci.update": "updated the RACI"}),
    **_entries(
        AuditKind.ARTIFACTS,
        {
            "artifact.add_version": "uploaded a new version of an artifact",
            "artifact.waive": "waived a required artifact",
        },
    ),
    **_entries(
        AuditKind.GATES,
        {
            "gate.request": "requested a gate review",
            "gate.vote": "voted on the gate review",
            "gate.decide": "decided the gate",
            "gate.action_complete": "completed an action from a gate decision",
            "gate.evidence_attach": "attached evidence to the gate review",
            "gate.evidence_detach": "removed evidence from the gate review",
            "gate.evidence_request": "asked someone for evidence on the gate review",
            "gate.evidence_request_withdraw": "withdrew a request for evidence",
            "gate.evidence_request_fulfil": "answered a request for evidence",
            "gate_rule.create": "added an automated gate criterion",
            "gate_rule.update": "changed an automated gate criterion",
        },
    ),
    **_entries(
        AuditKind.INPUTS,
        {
            "budget.set": "set the budget",
            "cost_entry.add": "recorded a cost",
            "cost_entry.update": "corrected a cost entry",
            "capacity.set": "set a person's capacity",
            "allocation.set": "set a person's allocation to the project",
            "time_entry.add": "logged time",
            "benefit.add": "added an expected benefit",
            "benefit_measurement.record": "recorded a measured benefit",
            "status_report.submit": "submitted a status report",
            "risk.add": "logged a risk",
            "risk.update": "updated a risk",
            "risk.close": "closed a risk",
            "issue.open": "opened an issue",
            "issue.close": "closed an issue",
            "rag_override.set": "overrode the RAG status",
            "rag_override.revoke": "withdrew the RAG override",
            "csv_import.confirm": "imported a CSV file",
            "product.create": "added a product",
            "product.funnel_update": "changed the product's funnel",
            "product_event.bulk_add": "added product usage events",
            "customer.add": "added a customer",
            "order.add": "recorded an order",
            "marketing_spend.add": "recorded marketing spend",
            "survey_response.add": "recorded a survey response",
            "scrum.team.create": "created a scrum team",
            "scrum.sprint.create": "planned a sprint",
            "scrum.sprint.start": "started a sprint",
            "scrum.sprint.close": "closed a sprint",
            "scrum.sprint.reopen": "reopened a sprint",
            "scrum.item.create": "added a backlog item",
            "scrum.item.update": "updated a backlog item",
            "scrum.retro.add": "added a retrospective action",
            "scrum.retro.close": "closed a retrospective action",
            "scrum.mood.record": "recorded the team's mood",
        },
    ),
    **_entries(
        AuditKind.DEPLOYMENTS,
        {
            "deployment.registered": "registered a deployed model",
            "deployment.updated": "updated a deployed model",
            "deployment.threshold_set": "set a production threshold",
            "deployment.alert_raised": "raised a model alert",
            "deployment.alert_acknowledged": "acknowledged a model alert",
            "deployment.alert_resolved": "resolved a model alert",
        },
    ),
    **_entries(
        AuditKind.MLFLOW,
        {
            "mlflow.experiment_linked": "linked an MLflow experiment",
            "mlflow.experiment_unlinked": "unlinked an MLflow experiment",
            "mlflow.key_metrics_changed": "changed an experiment's key metrics",
            "mlflow.model_linked": "linked an MLflow registered model",
            "mlflow.model_unlinked": "unlinked an MLflow registered model",
            "mlflow.server_saved": "saved an MLflow tracking server",
        },
    ),
    **_entries(
        AuditKind.COMMENTS,
        {
            "comment.create": "commented",
            "comment.edit": "edited a comment",
            "comment.delete": "deleted a comment",
        },
    ),
    **_entries(
        AuditKind.ACCESS,
        {
            "membership.grant": "granted a portfolio role",
            "membership.revoke": "revoked a portfolio role",
            "token.create": "created an API token",
            "token.revoke": "revoked an API token",
            "user.sign_out_everywhere": "signed out everywhere",
            # Reference rows the admin saves through lifecycle.services.reference: "<model_name>.<verb>".
            "portfolio.create": "created a portfolio",
            "portfolio.update": "edited a portfolio",
            "businessunit.create": "created a business unit",
            "businessunit.update": "edited a business unit",
            "businessunit.delete": "deleted a business unit",
            "strategicgoal.create": "created a strategic goal",
            "strategicgoal.update": "edited a strategic goal",
            "strategicgoal.delete": "deleted a strategic goal",
            "artifacttype.create": "created an artifact type",
            "artifacttype.update": "edited an artifact type",
            "artifacttype.delete": "deleted an artifact type",
            "user.create": "created a user account",
            "user.update": "edited a user account",
            "user.delete": "deleted a user account",
            "accessattempt.delete": "lifted a sign-in lockout",
            # Outgoing webhooks of a portfolio (collaboration/webhooks); the system disables a failing one.
            "webhook.create": "added a webhook",
            "webhook.update": "changed a webhook",
            "webhook.delete": "deleted a webhook",
            "webhook.redeliver": "asked for a webhook delivery to be sent again",
            "webhook.ping": "sent a test ping to a webhook",
            "webhook.disable": "disabled a webhook that kept failing",
        },
    ),
}


def audit_entry(action: str) -> AuditEntry:
    """The action's entry; an action the catalog does not know reads as its own code, under "Other"."""
    return AUDIT_CATALOG.get(action) or AuditEntry(AuditKind.OTHER, action)


def actions_of_kind(kind: str) -> list[str]:
    return [action for action, entry in AUDIT_CATALOG.items() if entry.kind == kind]
