from django.conf import settings
from django.db import models

from lifecycle.choices import Phase, RaciRole


class Activity(models.Model):
    """One line of a phase checklist; copied from the catalog at project creation, then the project's own.

    The activity flagged `is_gate` is the phase's gate review: its Accountable decides the gate and
    its Consulted people are the reviewers.
    """

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="activities")
    phase = models.CharField(max_length=16, choices=Phase.choices)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    is_gate = models.BooleanField(default=False)
    done = models.BooleanField(default=False)

    class Meta:
        ordering = ["project_id", "position", "id"]
        verbose_name_plural = "activities"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "phase"], condition=models.Q(is_gate=True), name="one_gate_activity_per_phase"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RaciAssignment(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="raci_assignments")
    role = models.CharField(max_length=1, choices=RaciRole.choices)

    class Meta:
        ordering = ["activity_id", "role", "user_id"]
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="raci_one_role_per_person")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} on {self.activity}"
