"""Choices of the scrum inputs."""

from django.db import models


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
