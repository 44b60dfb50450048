"""Choices of the scrum inputs."""

from typing import Any

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


#: Jira status -> our state group (case-insensitive). Shown on the import page and the team dashboard.
JIRA_STATUSES: dict[str, str] = {
    "backlog": StateGroup.BACKLOG,
    "to do": StateGroup.TODO,
    "todo": StateGroup.TODO,
    "open": StateGroup.TODO,
    "new": StateGroup.TODO,
    "reopened": StateGroup.TODO,
    "selected for development": StateGroup.TODO,
    "in progress": StateGroup.IN_PROGRESS,
    "in review": StateGroup.IN_PROGRESS,
    "code review": StateGroup.IN_PROGRESS,
    "in testing": StateGroup.IN_PROGRESS,
    "done": StateGroup.DONE,
    "closed": StateGroup.DONE,
    "resolved": StateGroup.DONE,
    "won't do": StateGroup.CANCELLED,
    "won't fix": StateGroup.CANCELLED,
    "cancelled": StateGroup.CANCELLED,
    "canceled": StateGroup.CANCELLED,
    "duplicate": StateGroup.CANCELLED,
}


#: Jira issue type -> our item type (case-insensitive).
JIRA_TYPES: dict[str, str] = {
    "story": ItemType.STORY,
    "user story": ItemType.STORY,
    "bug": ItemType.DEFECT,
    "defect": ItemType.DEFECT,
    "task": ItemType.TASK,
    "sub-task": ItemType.TASK,
    "subtask": ItemType.TASK,
    "spike": ItemType.TASK,
}
# Jira issue types that group issues rather than being sprint work: an import leaves them out (and says so).
CONTAINER_TYPES = frozenset({"epic", "initiative"})


def mapping_rows(mapping: dict[str, str], labels: Any) -> list[tuple[str, str]]:
    """(our value's label, the tracker values mapped to it), for the mapping tables shown to users."""
    grouped: dict[str, list[str]] = {}
    for source, target in mapping.items():
        grouped.setdefault(target, []).append(source)
    return [(str(label), ", ".join(grouped.get(value, []))) for value, label in labels.choices if value in grouped]
