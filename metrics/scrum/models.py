"""Scrum inputs: teams, sprints, work items and their change log, retrospective actions, mood votes.

Charts are rebuilt from ``WorkItemChange`` rows ("as of" any moment), so every sprint, state, points or type
change writes one, in the transaction of the change (``metrics.scrum.services.items``). A sprint's summary is
computed by the formulas at its first close and stored in ``Sprint.summary``; nothing rewrites it.
``metrics.scrum.adapters`` turns these rows into the formulas' input dataclasses.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from metrics.scrum.choices import MOOD_SCORES, ItemType, SprintState, StateGroup

__all__ = ["MoodVote", "RetroAction", "Sprint", "SprintReopening", "Team", "WorkItem", "WorkItemChange"]

POINTS_DIGITS = 6  # up to 99999.9 points: far above any real estimate, and exact in Decimal
POINTS_DECIMALS = 1  # half points exist (0.5); finer estimates do not


class Team(models.Model):
    """A delivery team in a portfolio.

    ``project`` is one nullable FK rather than an M2M: a sprint's velocity, say/do and burndown cannot be split
    between several projects, so project-level scrum metrics are "the sprints of the project's teams". A
    platform team serving no single project leaves it empty; its audit records then carry no project.
    ``portfolio`` is always set: it is where permissions come from, with or without a project.
    """

    portfolio = models.ForeignKey("portfolio.Portfolio", on_delete=models.PROTECT, related_name="teams")
    project = models.ForeignKey(
        "lifecycle.Project", on_delete=models.PROTECT, related_name="teams", null=True, blank=True
    )
    name = models.CharField(max_length=120)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="scrum_teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["portfolio", "name"], name="metrics_team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Sprint(models.Model):
    """A time box of a team. ``completed_at`` is the *first* close: the moment the summary was frozen.

    A reopened sprint is active again (``reopen_count`` > 0, one ``SprintReopening`` row per reopen);
    closing it again sets ``last_closed_at`` only.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="sprints")
    name = models.CharField(max_length=120)
    goal = models.TextField(blank=True)
    planned_start = models.DateField()
    planned_end = models.DateField()
    state = models.CharField(max_length=12, choices=SprintState.choices, default=SprintState.PLANNED)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, help_text="First close; the summary is frozen here.")
    last_closed_at = models.DateTimeField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    summary = models.JSONField(null=True, blank=True, help_text="sprint_summary() at the first close.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "planned_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="metrics_sprint_unique_name"),
            # Our rule (not Jira's): one sprint at a time per team, so "the current sprint" is well defined.
            models.UniqueConstraint(
                fields=["team"], condition=Q(state=SprintState.ACTIVE), name="metrics_sprint_one_active_per_team"
            ),
            models.CheckConstraint(condition=Q(planned_end__gte=F("planned_start")), name="metrics_sprint_dates"),
            models.CheckConstraint(
                condition=Q(state=SprintState.PLANNED, started_at__isnull=True, completed_at__isnull=True)
                | Q(state=SprintState.ACTIVE, started_at__isnull=False)
                | Q(state=SprintState.CLOSED, started_at__isnull=False, completed_at__isnull=False),
                name="metrics_sprint_state_dates",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_at__gte=F("started_at")),
                name="metrics_sprint_closes_after_start",
            ),
        ]
        indexes = [models.Index(fields=["team", "state"])]

    def __str__(self) -> str:
        return f"{self.team} / {self.name}"


class SprintReopening(models.Model):
    """History of reopens: who reopened a closed sprint, when and why."""

    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="reopenings")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    reason = models.TextField()

    class Meta:
        ordering = ["sprint", "at", "id"]

    def __str__(self) -> str:
        return f"{self.sprint} reopened {self.at:%Y-%m-%d}"


class WorkItem(models.Model):
    """A story, defect or task of a team: its *current* state. Its history is in ``changes``.

    ``points`` None = not estimated (counts as 0). For defects, ``origin_sprint`` is the sprint whose work the
    defect concerns (the one it escaped from; by default the sprint it was logged in) and ``found_in_item`` the
    delivered item it was found in. A defect is "escaped" when found after that item was done (or, without an
    item, after the origin sprint first closed): the formula decides, from ``created_at``, nothing is stored.
    """

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="work_items")
    key = models.CharField(max_length=40, help_text="Tracker key, e.g. ML-142; unique within the team.")
    title = models.CharField(max_length=300)
    item_type = models.CharField(max_length=12, choices=ItemType.choices, default=ItemType.STORY)
    points = models.DecimalField(max_digits=POINTS_DIGITS, decimal_places=POINTS_DECIMALS, null=True, blank=True)
    state_group = models.CharField(max_length=12, choices=StateGroup.choices, default=StateGroup.BACKLOG)
    sprint = models.ForeignKey(Sprint, on_delete=models.PROTECT, related_name="work_items", null=True, blank=True)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    origin_sprint = models.ForeignKey(
        Sprint, on_delete=models.PROTECT, related_name="defects_found_later", null=True, blank=True
    )
    found_in_item = models.ForeignKey("self", on_delete=models.PROTECT, related_name="defects", null=True, blank=True)

    class Meta:
        ordering = ["team", "key"]
        constraints = [
            models.UniqueConstraint(fields=["team", "key"], name="metrics_workitem_unique_key"),
            models.CheckConstraint(condition=Q(points__isnull=True) | Q(points__gte=0), name="metrics_points_positive"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("created_at")),
                name="metrics_workitem_resolved_after_created",
            ),
            models.CheckConstraint(
                condition=Q(item_type=ItemType.DEFECT) | Q(origin_sprint__isnull=True, found_in_item__isnull=True),
                name="metrics_workitem_defect_links",
            ),
        ]
        indexes = [
            models.Index(fields=["sprint", "state_group"]),
            models.Index(fields=["team", "state_group"]),
            models.Index(fields=["origin_sprint"]),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class WorkItemChange(models.Model):
    """The change log: the item's full state (sprint, state group, points, type) right after a change at ``at``.

    Append-only: services create rows, nothing updates or deletes them. ``changed`` lists which of the four
    fields moved (the item's first row lists all of them).
    """

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    sprint = models.ForeignKey(Sprint, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    state_group = models.CharField(max_length=12, choices=StateGroup.choices)
    points = models.DecimalField(max_digits=POINTS_DIGITS, decimal_places=POINTS_DECIMALS, null=True, blank=True)
    item_type = models.CharField(max_length=12, choices=ItemType.choices)
    changed = models.JSONField(default=list, help_text="Names of the fields this change moved.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        ordering = ["item", "at", "id"]
        indexes = [
            models.Index(fields=["item", "at"]),  # replay of one item; its latest change
            models.Index(fields=["sprint", "at"]),  # which items were ever in a sprint
        ]

    def __str__(self) -> str:
        return f"{self.item_id} @ {self.at:%Y-%m-%d %H:%M}: {', '.join(self.changed)}"


class RetroAction(models.Model):
    """An action item raised at a sprint's retrospective; process refinement counts those closed by the next."""

    sprint = models.ForeignKey(Sprint, on_delete=models.PROTECT, related_name="retro_actions")
    text = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="retro_actions", null=True, blank=True
    )
    raised_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sprint", "raised_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("raised_at")),
                name="metrics_retroaction_closed_after_raised",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


class MoodVote(models.Model):
    """One person's mood for one sprint (1-5); voting again replaces the score."""

    sprint = models.ForeignKey(Sprint, on_delete=models.PROTECT, related_name="mood_votes")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mood_votes")
    score = models.PositiveSmallIntegerField()
    voted_at = models.DateTimeField()

    class Meta:
        ordering = ["sprint", "person"]
        constraints = [
            models.UniqueConstraint(fields=["sprint", "person"], name="metrics_moodvote_one_per_person"),
            models.CheckConstraint(
                condition=Q(score__gte=MOOD_SCORES.start, score__lte=MOOD_SCORES.stop - 1),
                name="metrics_moodvote_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sprint}: {self.person_id} -> {self.score}"
