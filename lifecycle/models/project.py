from django.conf import settings
from django.db import models

from lifecycle.choices import RAG, Phase, ProjectState, RiskTier


class Project(models.Model):
    code = models.CharField(max_length=32, unique=True, help_text="Short unique reference, e.g. AML-042.")
    name = models.CharField(max_length=200)
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="projects")
    business_unit = models.ForeignKey(
        "portfolio.BusinessUnit", on_delete=models.PROTECT, related_name="projects", null=True, blank=True
    )
    strategic_goal = models.ForeignKey(
        "portfolio.StrategicGoal", on_delete=models.PROTECT, related_name="projects", null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_projects", help_text="Project manager."
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sponsored_projects",
        help_text="Executive sponsor.",
    )
    risk_tier = models.CharField(max_length=8, choices=RiskTier.choices, default=RiskTier.MEDIUM)
    ideation_date = models.DateField()
    start_date = models.DateField(null=True, blank=True)
    target_end_date = models.DateField(null=True, blank=True)
    actual_end_date = models.DateField(null=True, blank=True)
    phase = models.CharField(max_length=16, choices=Phase.choices, default=Phase.CHARTER)
    state = models.CharField(max_length=16, choices=ProjectState.choices, default=ProjectState.ACTIVE)
    # The RAG block is written only by the metrics project computer (``project_overall_rag_store``), from the
    # snapshot it has just computed: stored here so the list, its filter, the API and CSV read one indexed column.
    overall_rag = models.CharField(
        max_length=16,
        choices=RAG.choices,
        default=RAG.NOT_ASSESSED,
        help_text="What every page shows: the computed RAG, or a manager's active override of it.",
    )
    computed_rag = models.CharField(
        max_length=16,
        choices=RAG.choices,
        default=RAG.NOT_ASSESSED,
        help_text="Worst of the four dimension RAGs (schedule, cost, risk, issues).",
    )
    reported_rag = models.CharField(
        max_length=16,
        choices=RAG.choices,
        default=RAG.NOT_ASSESSED,
        help_text="The overall RAG of the PM's latest status report, shown beside the computed one.",
    )
    rag_override_until = models.DateField(null=True, blank=True, help_text="Last day of the active override.")
    rag_override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["portfolio", "phase"]),
            models.Index(fields=["portfolio", "state"]),
            models.Index(fields=["name"]),
            models.Index(fields=["portfolio", "overall_rag"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True) | models.Q(start_date__gte=models.F("ideation_date")),
                name="project_start_after_ideation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def phase_enum(self) -> Phase:
        return Phase(self.phase)

    @property
    def is_active(self) -> bool:
        return self.state == ProjectState.ACTIVE

    @property
    def rag_overridden(self) -> bool:
        return self.rag_override_until is not None

    @property
    def rag_differs(self) -> bool:
        """The PM reported another overall RAG than the one computed from the inputs (both assessed)."""
        assessed = RAG.NOT_ASSESSED not in (self.reported_rag, self.computed_rag)
        return assessed and self.reported_rag != self.computed_rag


class PhaseTransition(models.Model):
    """The project's timeline: every change of phase or state, in order."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="transitions")
    from_phase = models.CharField(max_length=16, choices=Phase.choices, blank=True)
    to_phase = models.CharField(max_length=16, choices=Phase.choices)
    from_state = models.CharField(max_length=16, choices=ProjectState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=ProjectState.choices)
    gate_review = models.ForeignKey(
        "lifecycle.GateReview", on_delete=models.PROTECT, null=True, blank=True, related_name="transitions"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["project", "at"])]

    def __str__(self) -> str:
        return f"{self.from_phase or 'start'} -> {self.to_phase} ({self.to_state})"
