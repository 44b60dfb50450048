"""Choices of the metric snapshots."""

from django.db import models


class ScopeType(models.TextChoices):
    """What a metric snapshot describes."""

    PORTFOLIO = "portfolio", "Portfolio"
    PROJECT = "project", "Project"
    TEAM = "team", "Team"
    SPRINT = "sprint", "Sprint"
    PRODUCT = "product", "Product"
    PERSON = "person", "Person"
