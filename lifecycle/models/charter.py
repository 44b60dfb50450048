from decimal import Decimal

from django.conf import settings
from django.db import models

from lifecycle.choices import GoalType


class Charter(models.Model):
    """The living charter of a project. `version` counts saves; each save is kept in CharterVersion."""

    project = models.OneToOneField("lifecycle.Project", on_delete=models.CASCADE, related_name="charter")
    version = models.PositiveIntegerField(default=1)
    objective = models.TextField(blank=True, help_text="Markdown. What the project sets out to achieve.")
    goal_type = models.CharField(max_length=20, choices=GoalType.choices, blank=True)
    goal_description = models.TextField(blank=True, help_text="Markdown. How much, which category, ...")
    model_users = models.TextField(blank=True, help_text="Markdown. Who will use the model's output.")
    business_process = models.TextField(blank=True, help_text="Markdown. How the model enters their process.")
    acceptance_measure = models.TextField(blank=True, help_text="Markdown. How user acceptance is measured.")
    expected_benefit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    expected_cost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    def __str__(self) -> str:
        return f"Charter of {self.project} (v{self.version})"

    @property
    def expected_roi(self) -> Decimal | None:
        """(expected benefit - expected cost) / expected cost; undefined without a positive cost."""
        if self.expected_benefit is None or not self.expected_cost:
            return None
        return (self.expected_benefit - self.expected_cost) / self.expected_cost


class CharterRow(models.Model):
    """Base of the charter's multi-row sections; rows are replaced as a whole on each save."""

    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class SuccessMetric(CharterRow):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="success_metrics")
    name = models.CharField(max_length=160)
    definition = models.TextField(blank=True)
    baseline = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=40, blank=True)
    due_date = models.DateField(null=True, blank=True)

    class Meta(CharterRow.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class DataSource(CharterRow):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="data_sources")
    name = models.CharField(max_length=160)
    owner = models.CharField(max_length=120, blank=True)
    system = models.CharField(max_length=120, blank=True)
    is_ssot = models.BooleanField("single source of truth", default=False)
    link = models.URLField(blank=True, max_length=500)

    class Meta(CharterRow.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class DataDictionaryEntry(CharterRow):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="data_dictionary")
    field = models.CharField(max_length=160)
    data_type = models.CharField(max_length=60, blank=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=160, blank=True)

    class Meta(CharterRow.Meta):
        verbose_name_plural = "data dictionary entries"

    def __str__(self) -> str:
        return self.field


class Milestone(CharterRow):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=160)
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    class Meta(CharterRow.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class CharterVersion(models.Model):
    """An immutable snapshot of the whole charter as saved (fields and every row)."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["charter", "number"], name="charter_version_unique")]

    def __str__(self) -> str:
        return f"Charter version {self.number}"
