"""Choices of the MLflow mirror, and the comparator that gate rules and production thresholds share."""

from django.db import models


class SyncStatus(models.TextChoices):
    IDLE = "idle", "Idle"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"


class Comparator(models.TextChoices):
    GTE = ">=", ">="
    GT = ">", ">"
    LTE = "<=", "<="
    LT = "<", "<"
