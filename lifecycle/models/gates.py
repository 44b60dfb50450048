from django.conf import settings
from django.db import models
from django.utils import timezone

from lifecycle.choices import GateActionKind, GateDecision, GateReviewStatus, NoGoOutcome, Phase


class GateReview(models.Model):
    """The review that ends a phase. Once decided, nothing on it or under it changes."""

    project = models.ForeignKey("lifecycle.Project", on_delete=models.PROTECT, related_name="gate_reviews")
    phase = models.CharField(max_length=16, choices=Phase.choices)
    status = models.CharField(max_length=10, choices=GateReviewStatus.choices, default=GateReviewStatus.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    request_note = models.TextField(blank=True)
    decision = models.CharField(max_length=16, choices=GateDecision.choices, blank=True)
    no_go_outcome = models.CharField(max_length=8, choices=NoGoOutcome.choices, blank=True)
    rationale = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Frozen at decision time: the artifact versions (and waivers) the decision was taken on.
    evidence = models.JSONField(default=dict, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Why the gate was passed although an automated criterion failed (audited)."
    )
    evidence_versions = models.ManyToManyField("lifecycle.ArtifactVersion", blank=True, related_name="gate_reviews")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project"], condition=models.Q(status="open"), name="one_open_review_per_project"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", decision="") | (~models.Q(status="open") & ~models.Q(decision="")),
                name="decided_review_has_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} gate of {self.project.code}"

    @property
    def is_open(self) -> bool:
        return self.status == GateReviewStatus.OPEN


class GateVote(models.Model):
    """A reviewer's vote; replaceable while the review is open, frozen with it afterwards."""

    review = models.ForeignKey(GateReview, on_delete=models.PROTECT, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gate_votes")
    vote = models.CharField(max_length=16, choices=GateDecision.choices)
    comment = models.TextField(blank=True)
    # criterion key -> score 1..5, keys from lifecycle.catalog for the review's phase
    scores = models.JSONField(default=dict, blank=True)
    voted_at = models.DateTimeField()

    class Meta:
        ordering = ["voted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "voter"], name="one_vote_per_reviewer")]

    def __str__(self) -> str:
        return f"{self.voter} voted {self.get_vote_display()}"


class GateAction(models.Model):
    """A condition of a conditional go, or a rework item of a recycle, each with an owner."""

    review = models.ForeignKey(GateReview, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=10, choices=GateActionKind.choices)
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="gate_actions")
    due_date = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_overdue(self) -> bool:
        return self.completed_at is None and self.due_date is not None and self.due_date < timezone.localdate()
