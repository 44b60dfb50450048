"""MLflow evidence on gate reviews and the automated gate criteria that read it.

``GateEvidence`` pins one mirrored run or model version to a review with a snapshot taken when it was
attached (metrics, params, tags, status, artifact URI; or version, aliases, source run). The decision copies
the then-current snapshot into ``decision_snapshot`` and nothing changes it afterwards; comparing it with the
live mirror is how a review reports "evidence changed since decision".

``GateRule`` is a machine-checkable criterion of a phase's gate in a portfolio (optionally only for one
project). Results are computed from the evidence snapshots by pure functions, shown beside the human
criteria, and stored with the decision; a go over a failing rule needs ``GateReview.override_reason``.

``EvidenceRequest`` asks one person for evidence on an open review. It stays open (and in that person's inbox)
until they attach evidence to the review (fulfilled) or someone who may ask withdraws it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from lifecycle.choices import Phase
from metrics.evidence.choices import EvidenceKind, EvidenceRequestStatus, GateRuleKind
from metrics.mirror.choices import Comparator

__all__ = ["EvidenceRequest", "GateEvidence", "GateRule"]


class GateEvidence(models.Model):
    review = models.ForeignKey("lifecycle.GateReview", on_delete=models.PROTECT, related_name="mlflow_evidence")
    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    run = models.ForeignKey(
        "metrics.MlflowRun", on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    model_version = models.ForeignKey(
        "metrics.ModelVersionMirror", on_delete=models.PROTECT, related_name="evidence", null=True, blank=True
    )
    snapshot = models.JSONField(help_text="What the mirror held when the evidence was attached.")
    decision_snapshot = models.JSONField(
        null=True, blank=True, help_text="What the mirror held when the review was decided; never changed after."
    )
    note = models.TextField(blank=True)
    attached_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attached_at = models.DateTimeField()

    class Meta:
        ordering = ["review", "attached_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "run"], condition=Q(run__isnull=False), name="metrics_evidence_unique_run"
            ),
            models.UniqueConstraint(
                fields=["review", "model_version"],
                condition=Q(model_version__isnull=False),
                name="metrics_evidence_unique_model_version",
            ),
            models.CheckConstraint(
                condition=(Q(kind=EvidenceKind.RUN, run__isnull=False, model_version__isnull=True))
                | Q(kind=EvidenceKind.MODEL_VERSION, run__isnull=True, model_version__isnull=False),
                name="metrics_evidence_one_target",
            ),
        ]

    def __str__(self) -> str:
        target = self.run_id if self.kind == EvidenceKind.RUN else self.model_version_id
        return f"review {self.review_id}: {self.kind} {target}"


class GateRule(models.Model):
    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.CASCADE, related_name="gate_rules")
    project = models.ForeignKey(
        "lifecycle.Project",
        on_delete=models.CASCADE,
        related_name="gate_rules",
        null=True,
        blank=True,
        help_text="Empty: the rule applies to every project of the portfolio at this gate.",
    )
    phase = models.CharField(max_length=16, choices=Phase.choices, help_text="The gate that ends this phase.")
    kind = models.CharField(max_length=20, choices=GateRuleKind.choices)
    metric_key = models.CharField(max_length=250, blank=True)
    comparator = models.CharField(max_length=2, choices=Comparator.choices, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    param_key = models.CharField(max_length=250, blank=True)
    alias = models.CharField(max_length=250, blank=True)
    description = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["portfolio", "phase", "pk"]
        indexes = [models.Index(fields=["portfolio", "phase"], name="metrics_gate_rule_gate")]

    def __str__(self) -> str:
        return self.description or f"{self.get_kind_display()} ({self.phase})"


class EvidenceRequest(models.Model):
    review = models.ForeignKey("lifecycle.GateReview", on_delete=models.PROTECT, related_name="evidence_requests")
    asked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=EvidenceRequestStatus.choices, default=EvidenceRequestStatus.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review", "requested_at", "pk"]
        indexes = [models.Index(fields=["asked", "status"], name="metrics_evreq_asked_status")]
        constraints = [
            # Asking the same person twice on one review adds nothing: one open request per person and review.
            models.UniqueConstraint(
                fields=["review", "asked"], condition=Q(status="open"), name="metrics_evreq_one_open_per_person"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="metrics_evreq_closed_when_not_open",
            ),
        ]

    def __str__(self) -> str:
        return f"evidence asked of {self.asked} on review {self.review_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == EvidenceRequestStatus.OPEN
