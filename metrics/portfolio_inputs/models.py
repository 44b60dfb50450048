"""Portfolio inputs: budgets and costs, capacity and time, status reports, risks, issues and benefits.

Earned value: BAC is the sum of the project's budget periods; planned % complete is the time-phased budget to
date / BAC; actual % complete is reported on the status report (``percent_complete``), so progress and status
share one append-only history. Writes go through ``metrics.portfolio_inputs.services``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from lifecycle.choices import RAG
from metrics.portfolio_inputs.choices import RISK_IMPACT_RANGE, CostCategory, IssueSeverity, RiskState

__all__ = [
    "Allocation",
    "Benefit",
    "BenefitMeasurement",
    "BudgetPeriod",
    "Capacity",
    "CostEntry",
    "Issue",
    "Risk",
    "RagOverride",
    "StatusReport",
    "TimeEntry",
]

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
#: What a person rates: a status report's dimensions and overall, a manager override (blank = not assessed).
ASSESSED_RAG = RAG.assessed_choices()
HOURS: dict[str, Any] = {"max_digits": 6, "decimal_places": 2}


class BudgetPeriod(models.Model):
    """Planned spend of a project for one calendar month (``period_start`` is the month's first day)."""

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="budget_periods")
    period_start = models.DateField()
    amount = models.DecimalField(**MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["project", "period_start"], name="budget_period_unique_month"),
            models.CheckConstraint(condition=Q(period_start__day=1), name="budget_period_starts_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_period_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period_start:%Y-%m}: {self.amount}"


class CostEntry(models.Model):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="cost_entries")
    day = models.DateField()
    amount = models.DecimalField(**MONEY)
    category = models.CharField(max_length=20, choices=CostCategory.choices, default=CostCategory.OTHER)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "day", "id"]
        verbose_name_plural = "cost entries"
        indexes = [models.Index(fields=["project", "day"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="cost_entry_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.day}: {self.amount}"


class Capacity(models.Model):
    """Hours a person can work in one ISO week (``week`` is its Monday), before and after leave."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacities")
    week = models.DateField()
    working_hours = models.DecimalField(**HOURS)
    leave_hours = models.DecimalField(**HOURS, default=0)

    class Meta:
        ordering = ["person", "week"]
        verbose_name_plural = "capacities"
        indexes = [models.Index(fields=["week"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "week"], name="capacity_unique_person_week"),
            models.CheckConstraint(condition=Q(week__iso_week_day=1), name="capacity_week_is_monday"),
            models.CheckConstraint(
                condition=Q(working_hours__gte=0, working_hours__lte=168, leave_hours__gte=0)
                & Q(leave_hours__lte=F("working_hours")),
                name="capacity_hours_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} week of {self.week}: {self.capacity_hours} h"

    @property
    def capacity_hours(self):
        return self.working_hours - self.leave_hours


class Allocation(models.Model):
    """Hours of one person planned on one project in one ISO week (``week`` is its Monday)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="allocations")
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="allocations")
    week = models.DateField()
    hours = models.DecimalField(**HOURS)

    class Meta:
        ordering = ["project", "week", "person"]
        indexes = [models.Index(fields=["week", "person"])]
        constraints = [
            models.UniqueConstraint(fields=["person", "project", "week"], name="allocation_unique_person_week"),
            models.CheckConstraint(condition=Q(week__iso_week_day=1), name="allocation_week_is_monday"),
            models.CheckConstraint(condition=Q(hours__gte=0, hours__lte=168), name="allocation_hours_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.project_id} week of {self.week}: {self.hours} h"


class TimeEntry(models.Model):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_entries")
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="time_entries")
    day = models.DateField()
    hours = models.DecimalField(**HOURS)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]
        verbose_name_plural = "time entries"
        indexes = [models.Index(fields=["person", "day"]), models.Index(fields=["project", "day"])]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="time_entry_hours_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} on {self.project_id} {self.day}: {self.hours} h"


class StatusReport(models.Model):
    """One status report. Append-only: the latest (as_of, id) is the project's current status.

    ``derived_rag`` is the worst of the four dimensions as the PM rated them; ``overall_rag`` is the PM's reported
    overall (their override when there is one). It is shown beside the computed overall RAG, never instead of it:
    only a ``RagOverride`` replaces the computed value.
    """

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="status_reports")
    as_of = models.DateField()
    schedule_rag = models.CharField(max_length=8, choices=ASSESSED_RAG, blank=True)
    cost_rag = models.CharField(max_length=8, choices=ASSESSED_RAG, blank=True)
    risk_rag = models.CharField(max_length=8, choices=ASSESSED_RAG, blank=True)
    issues_rag = models.CharField(max_length=8, choices=ASSESSED_RAG, blank=True)
    override_rag = models.CharField(max_length=8, choices=ASSESSED_RAG, blank=True)
    override_reason = models.TextField(blank=True)
    derived_rag = models.CharField(max_length=8, choices=ASSESSED_RAG, blank=True)
    overall_rag = models.CharField(max_length=8, choices=ASSESSED_RAG)
    percent_complete = models.DecimalField(
        max_digits=5, decimal_places=4, null=True, blank=True, help_text="Actual % complete as a fraction 0-1."
    )
    summary = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-as_of", "-id"]
        indexes = [models.Index(fields=["project", "-as_of", "-id"], name="status_report_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(override_rag="") | ~Q(override_reason=""), name="status_report_override_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(percent_complete__isnull=True) | Q(percent_complete__gte=0, percent_complete__lte=1),
                name="status_report_percent_complete_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} as of {self.as_of}: {self.overall_rag}"

    @property
    def is_overridden(self) -> bool:
        return bool(self.override_rag)


class Risk(models.Model):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    probability = models.DecimalField(max_digits=3, decimal_places=2, help_text="0 to 1.")
    impact = models.PositiveSmallIntegerField(help_text="1 (minor) to 5 (severe).")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    state = models.CharField(max_length=8, choices=RiskState.choices, default=RiskState.OPEN)
    mitigation = models.TextField(blank=True)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["project", "opened_on", "id"]
        indexes = [models.Index(fields=["project", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(probability__gte=0, probability__lte=1), name="risk_probability_0_1"),
            models.CheckConstraint(
                condition=Q(impact__gte=RISK_IMPACT_RANGE[0], impact__lte=RISK_IMPACT_RANGE[1]),
                name="risk_impact_in_range",
            ),
            models.CheckConstraint(
                condition=Q(state=RiskState.OPEN, closed_on__isnull=True)
                | Q(state=RiskState.CLOSED, closed_on__isnull=False, closed_on__gte=F("opened_on")),
                # closed_on IS NOT NULL spelled out: a CHECK passes when its comparison with NULL is unknown.
                name="risk_closed_on_matches_state",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Issue(models.Model):
    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="issues")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=8, choices=IssueSeverity.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["project", "opened_on", "id"]
        indexes = [models.Index(fields=["project", "opened_on"]), models.Index(fields=["project", "closed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")), name="issue_closed_after_opened"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class Benefit(models.Model):
    """A benefit the project promised, measured per period; usually tied to a charter success metric."""

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="benefits")
    success_metric = models.ForeignKey(
        "lifecycle.SuccessMetric", on_delete=models.SET_NULL, null=True, blank=True, related_name="benefits"
    )
    name = models.CharField(max_length=160)
    unit = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="benefit_unique_name")]

    def __str__(self) -> str:
        return self.name


class BenefitMeasurement(models.Model):
    """Planned and realized value of a benefit for the period ending on ``period_end`` (realized None: not yet)."""

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="measurements")
    period_end = models.DateField()
    planned = models.DecimalField(**MONEY)
    realized = models.DecimalField(**MONEY, null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["benefit", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["benefit", "period_end"], name="benefit_measurement_unique_period"),
            models.CheckConstraint(
                condition=Q(planned__gte=0) & (Q(realized__isnull=True) | Q(realized__gte=0)),
                name="benefit_measurement_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benefit_id} to {self.period_end}: {self.realized} / {self.planned}"


class RagOverrideQuerySet(models.QuerySet["RagOverride"]):
    def active_on(self, day: datetime.date) -> RagOverrideQuerySet:
        """Overrides in force on ``day``: not revoked, and ``day`` is on or before their last day."""
        return self.filter(revoked_at__isnull=True, expires_on__gte=day)


class RagOverride(models.Model):
    """A manager's override of a project's computed overall RAG, with a reason and a last day (``expires_on``).

    Never deleted nor edited, except that a revoke (or a newer override) stamps ``revoked_at``; at most one is
    unrevoked per project. While active it replaces the computed value; the snapshot keeps both.
    """

    project = models.ForeignKey("lifecycle.Project", on_delete=models.CASCADE, related_name="rag_overrides")
    rag = models.CharField(max_length=8, choices=ASSESSED_RAG)
    reason = models.TextField()
    expires_on = models.DateField(help_text="The last day the override is in force.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = RagOverrideQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-created_at", "-id"]
        indexes = [models.Index(fields=["project", "expires_on"], name="rag_override_project_expiry")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="rag_override_has_reason"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(revoked_at__isnull=True), name="rag_override_one_unrevoked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.rag} until {self.expires_on}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.revoked_at is None and day <= self.expires_on

    def was_in_force_on(self, day: datetime.date) -> bool:
        """In force at the end of ``day`` as things stood then: made by then, not yet revoked, not yet expired
        (the RAG history replays past overrides)."""
        made = timezone.localdate(self.created_at) <= day <= self.expires_on
        return made and (self.revoked_at is None or timezone.localdate(self.revoked_at) > day)
