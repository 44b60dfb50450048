"""Every status of the lifecycle, declared once with its label and colour."""

from django.db import models


class Phase(models.TextChoices):
    CHARTER = "charter", "Charter"
    EXPLORATION = "exploration", "Exploration"
    MODELING = "modeling", "Modeling"
    DEPLOYMENT = "deployment", "Deployment"
    CLOSURE = "closure", "Closure"

    @classmethod
    def ordered(cls) -> list["Phase"]:
        return [cls.CHARTER, cls.EXPLORATION, cls.MODELING, cls.DEPLOYMENT, cls.CLOSURE]

    @property
    def number(self) -> int:
        return Phase.ordered().index(self) + 1

    @property
    def next(self) -> "Phase | None":
        phases = Phase.ordered()
        position = phases.index(self)
        return phases[position + 1] if position + 1 < len(phases) else None


class ProjectState(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"
    CLOSED = "closed", "Closed"


class RAG(models.TextChoices):
    """A health rating. ``NOT_ASSESSED``: nothing stands behind it yet (no earned-value inputs, no status report,
    no risk, issue or alert); shown grey, filtered and exported as itself, never as green."""

    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"
    NOT_ASSESSED = "not_assessed", "Not assessed"

    @classmethod
    def assessed_choices(cls) -> list[tuple[str, str]]:
        """The three ratings a person or a formula gives (a status report's dimensions, a manager override)."""
        return [(rag.value, str(rag.label)) for rag in (cls.GREEN, cls.YELLOW, cls.RED)]


RAG_COLOURS = {RAG.GREEN: "success", RAG.YELLOW: "warning", RAG.RED: "danger", RAG.NOT_ASSESSED: "secondary"}
STATE_COLOURS = {
    ProjectState.ACTIVE: "primary",
    ProjectState.ON_HOLD: "warning",
    ProjectState.CANCELLED: "secondary",
    ProjectState.CLOSED: "dark",
}


class RiskTier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class GoalType(models.TextChoices):
    """What the model is asked to produce (DOMAIN.md, charter phase)."""

    REGRESSION = "regression", "How much / how many (regression)"
    CLASSIFICATION = "classification", "Which category (classification)"
    CLUSTERING = "clustering", "Which group (clustering)"
    ANOMALY = "anomaly", "Is it unusual (anomaly detection)"
    RECOMMENDATION = "recommendation", "What next (recommendation)"


class RaciRole(models.TextChoices):
    RESPONSIBLE = "R", "Responsible"
    ACCOUNTABLE = "A", "Accountable"
    CONSULTED = "C", "Consulted"
    INFORMED = "I", "Informed"


class ArtifactKind(models.TextChoices):
    UPLOAD = "upload", "Uploaded file"
    LINK = "link", "Link"


class GateReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    DECIDED = "decided", "Decided"


class GateDecision(models.TextChoices):
    GO = "go", "Go"
    CONDITIONAL_GO = "conditional_go", "Conditional go"
    RECYCLE = "recycle", "Recycle"
    NO_GO = "no_go", "No-go"


DECISION_COLOURS = {
    GateDecision.GO: "success",
    GateDecision.CONDITIONAL_GO: "info",
    GateDecision.RECYCLE: "warning",
    GateDecision.NO_GO: "danger",
}


class NoGoOutcome(models.TextChoices):
    HOLD = "hold", "Put on hold"
    CANCEL = "cancel", "Cancel"


class GateActionKind(models.TextChoices):
    CONDITION = "condition", "Condition"
    REWORK = "rework", "Rework item"
