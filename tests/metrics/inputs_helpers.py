"""Helpers of the portfolio and product input tests: a refused write must leave every row as it was."""

from typing import Any

from lifecycle.models import AuditRecord, Project
from metrics.portfolio_inputs.models import (
    Allocation,
    Benefit,
    BenefitMeasurement,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from tests.unchanged import audit_actions, refused_checker  # noqa: F401 (audit_actions re-exported)

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


# The block raises exactly the given error and changes no row (no audit record either).
refused = refused_checker(everything)
