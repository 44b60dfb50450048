"""Choices of the metrics app, declared once. One section per area (scrum, portfolio, product, ...).

Where a formula module declares the same values as an enum (``metrics.formulas.scrum.StateGroup``), the
values here are identical strings, so a model field converts with ``Enum(value)`` and nothing else.
"""

from django.db import models

# --- scrum ---------------------------------------------------------------------------------------------------


class StateGroup(models.TextChoices):
    """Where a work item stands; every tracker status maps to one of these (cancelled counts nowhere)."""

    BACKLOG = "backlog", "Backlog"
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class ItemType(models.TextChoices):
    STORY = "story", "Story"
    DEFECT = "defect", "Defect"
    TASK = "task", "Task"


class SprintState(models.TextChoices):
    """planned -> active -> closed; a reopened sprint is active again (its first close stays the frozen one)."""

    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


MOOD_SCORES = range(1, 6)  # team mood, 1 (bad) to 5 (great)


# --- portfolio and product inputs -----------------------------------------------------------------------------


class CostCategory(models.TextChoices):
    LABOUR = "labour", "Labour"
    INFRASTRUCTURE = "infrastructure", "Infrastructure and compute"
    LICENCES = "licences", "Software and licences"
    DATA = "data", "Data acquisition"
    SERVICES = "services", "External services"
    OTHER = "other", "Other"


class RiskState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class IssueSeverity(models.TextChoices):
    """Same keys as ``metrics.formulas.bands.ISSUE_SEVERITIES`` (the weights of issue health)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS (0-10)"
    CSAT = "csat", "CSAT (1-5)"


#: Inclusive score range of each survey kind, used by the model constraint and the service.
SURVEY_SCORE_RANGE = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}
#: Risk impact score range (the risk exposure bands assume 1-5).
RISK_IMPACT_RANGE = (1, 5)


# --- metric snapshots -----------------------------------------------------------------------------------------


class ScopeType(models.TextChoices):
    """What a metric snapshot describes."""

    PORTFOLIO = "portfolio", "Portfolio"
    PROJECT = "project", "Project"
    TEAM = "team", "Team"
    SPRINT = "sprint", "Sprint"
    PRODUCT = "product", "Product"
    PERSON = "person", "Person"


# --- MLflow evidence, automated gate criteria, deployed models --------------------------------------------------


class SyncStatus(models.TextChoices):
    IDLE = "idle", "Idle"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"


class EvidenceKind(models.TextChoices):
    RUN = "run", "MLflow run"
    MODEL_VERSION = "model_version", "Model version"


class GateRuleKind(models.TextChoices):
    METRIC_THRESHOLD = "metric_threshold", "Metric threshold on the best attached run"
    ALL_RUNS_FINISHED = "all_runs_finished", "Every attached run finished"
    PARAM_RECORDED = "param_recorded", "Parameter recorded on every attached run"
    MODEL_ALIAS = "model_alias", "An attached model version has an alias"


class Comparator(models.TextChoices):
    GTE = ">=", ">="
    GT = ">", ">"
    LTE = "<=", "<="
    LT = "<", "<"


class AlertState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertSeverity(models.TextChoices):
    """Same keys as the issue severities: an open alert weighs in risk health like an issue of its severity."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"
