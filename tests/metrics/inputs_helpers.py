"""Helpers of the portfolio and product input tests: a refused write must leave every row as it was."""

from contextlib import contextmanager
from typing import Any

import pytest

from lifecycle.models import AuditRecord, Project
from metrics.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Customer,
    Issue,
    MarketingSpend,
    Order,
    Product,
    ProductEvent,
    Risk,
    StatusReport,
    SurveyResponse,
    TimeEntry,
)

TRACKED_MODELS = (
    Project,
    AuditRecord,
    BudgetPeriod,
    CostEntry,
    Capacity,
    Allocation,
    TimeEntry,
    StatusReport,
    Risk,
    Issue,
    Benefit,
    BenefitMeasurement,
    Product,
    ProductEvent,
    Customer,
    Order,
    MarketingSpend,
    SurveyResponse,
)


def everything() -> dict[str, Any]:
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in TRACKED_MODELS}


@contextmanager
def refused(error: type[Exception]):
    """The block raises exactly ``error`` and changes no row (no audit record either)."""
    before = everything()
    with pytest.raises(error) as caught:
        yield caught
    assert type(caught.value) is error, f"expected {error.__name__}, got {type(caught.value).__name__}"
    assert everything() == before


def audit_actions(project: Project | None = None) -> list[str]:
    records = AuditRecord.objects.order_by("id")
    if project is not None:
        records = records.filter(project=project)
    return list(records.values_list("action", flat=True))
