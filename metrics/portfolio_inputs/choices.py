"""Choices of the portfolio inputs."""

from django.db import models


class CostCategory(models.TextChoices):
    LABOUR = "labour", "Labour"
    INFRASTRUCTURE = "infrastructure", "Infrastructure and compute"
    LICENCES = "licences", "Software and licences"
    DATA = "data", "Data acquisition"
    SERVICES = "services", "External services"
    OTHER = "other", "Other"


class RiskState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class IssueSeverity(models.TextChoices):
    """Same keys as ``metrics.formulas.bands.ISSUE_SEVERITIES`` (the weights of issue health)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


#: Risk impact score range (the risk exposure bands assume 1-5).
RISK_IMPACT_RANGE = (1, 5)
