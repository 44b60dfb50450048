"""The standard lifecycle: what each phase does, what it must produce and how its gate is judged.

This is the template copied onto every new project (activities) and the source of the gate
criteria reviewers score. Projects edit their own copy; this module never changes at run time.
"""

from dataclasses import dataclass

from lifecycle.choices import Phase


@dataclass(frozen=True)
class GateCriterion:
    key: str
    label: str
    help: str


@dataclass(frozen=True)
class PhaseDefinition:
    phase: Phase
    gate_name: str
    activities: tuple[str, ...]
    required_artifacts: tuple[str, ...]  # ArtifactType slugs
    criteria: tuple[GateCriterion, ...]

    @property
    def gate_activity_name(self) -> str:
        return f"Gate review: {self.gate_name}"


BUSINESS_VALUE = GateCriterion("business_value", "Business value", "Is the expected value still worth the cost?")

PHASES: dict[Phase, PhaseDefinition] = {
    Phase.CHARTER: PhaseDefinition(
        phase=Phase.CHARTER,
        gate_name="Charter approval",
        activities=(
            "Define the objective",
            "Define the goal type and target",
            "Define SMART success metrics",
            "Identify data relevant to target and features",
            "Set milestones",
            "Agree the high-level RACI",
            "Identify the model's users and their business process",
        ),
        required_artifacts=(
            "project-charter",
            "data-sources",
            "ssot",
            "data-dictionary",
            "project-repository",
        ),
        criteria=(
            GateCriterion("objective_clarity", "Objective clarity", "Is the objective specific and agreed?"),
            GateCriterion("success_metrics", "Success metrics", "Are the success metrics SMART?"),
            GateCriterion("operationalization", "Operationalization plan", "Do we know who uses the model and how?"),
            BUSINESS_VALUE,
        ),
    ),
    Phase.EXPLORATION: PhaseDefinition(
        phase=Phase.EXPLORATION,
        gate_name="Data go / no-go",
        activities=(
            "Provision the standard exploration environment",
            "Ingest data",
            "Explore and clean data",
            "Assess data relevance and correlation",
            "Identify transformations and missing data",
            "Score data quality",
            "Define the data pipeline architecture (streaming or batch)",
        ),
        required_artifacts=("data-report", "data-pipeline-architecture"),
        criteria=(
            GateCriterion("data_analysis", "Data analysis", "Is the data understood and of sufficient quality?"),
            GateCriterion("data_relevance", "Data relevance", "Does the data carry signal for the target?"),
            BUSINESS_VALUE,
        ),
    ),
    Phase.MODELING: PhaseDefinition(
        phase=Phase.MODELING,
        gate_name="Model go / no-go",
        activities=(
            "Engineer features",
            "Choose candidate algorithms",
            "Split train / validation / test",
            "Evaluate models",
            "Choose the best model",
        ),
        required_artifacts=("feature-set", "model-report"),
        criteria=(
            GateCriterion("model_effectiveness", "Model effectiveness", "Does the model meet its success metrics?"),
            GateCriterion("alternative_approach", "Need for another approach", "Is the chosen approach the right one?"),
            BUSINESS_VALUE,
        ),
    ),
    Phase.DEPLOYMENT: PhaseDefinition(
        phase=Phase.DEPLOYMENT,
        gate_name="Deployment acceptance",
        activities=(
            "Deploy the data pipeline",
            "Deploy the model",
            "Set up monitoring",
            "Run A/B testing",
        ),
        required_artifacts=("health-dashboard", "model-report", "solution-architecture"),
        criteria=(
            GateCriterion("system_health", "System health", "Are pipeline and model healthy in production?"),
            GateCriterion("user_acceptance", "User acceptance", "Do the intended users use the model?"),
            GateCriterion("monitoring", "Monitoring", "Are drift and latency monitored with thresholds?"),
        ),
    ),
    Phase.CLOSURE: PhaseDefinition(
        phase=Phase.CLOSURE,
        gate_name="Closure",
        activities=(
            "Validate the system",
            "Validate the model",
            "Close the project",
            "Hand off to operations",
        ),
        required_artifacts=("closure-report",),
        criteria=(
            GateCriterion("validation", "Validation", "Are system and model validated?"),
            GateCriterion("handoff", "Hand-off", "Has operations accepted ownership?"),
        ),
    ),
}

# Seeded by a data migration into ArtifactType; admins may add more types afterwards.
STANDARD_ARTIFACT_TYPES: tuple[tuple[str, str, str], ...] = (
    ("project-charter", "Project charter", "The signed-off charter document."),
    ("data-sources", "Data sources", "Where the data comes from and who owns it."),
    ("ssot", "Single source of truth", "The agreed authoritative source for each entity."),
    ("data-dictionary", "Data dictionary", "Fields, types and meanings of the data used."),
    ("project-repository", "Project repository", "Link to the repository of documents and code."),
    ("data-report", "Data report", "Findings of the exploration: quality, relevance, gaps."),
    ("data-pipeline-architecture", "Data pipeline solution architecture", "Streaming or batch design."),
    ("feature-set", "Feature set", "The engineered features and how they are built."),
    ("model-report", "Model report", "Candidates, evaluation and the chosen model."),
    ("health-dashboard", "System health and key metrics dashboard", "Where production health is watched."),
    ("solution-architecture", "Solution architecture", "How the deployed system fits together."),
    ("closure-report", "Closure / hand-off report", "Validation results and the hand-off to operations."),
)


def phase_definition(phase: str) -> PhaseDefinition:
    return PHASES[Phase(phase)]
