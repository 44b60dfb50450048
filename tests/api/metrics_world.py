"""Shared builders of the metrics API tests (no tests here): one row of every metrics input in a project's
portfolio, built through the services, and a fingerprint of every metrics row to prove a refusal changed
nothing."""

import contextlib
import datetime
from typing import Any

from django.utils import timezone

from lifecycle.models import AuditRecord, Project
from metrics.imports import IMPORT_SPECS, Column, ImportSpec
from metrics.input_rules import require_manager
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
from metrics.portfolio_inputs.services import benefits, health
from metrics.portfolio_inputs.services import resources as portfolio_services
from metrics.product import services as product_services
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from metrics.scrum.models import MoodVote, RetroAction, Sprint, SprintReopening, Team, WorkItem, WorkItemChange
from metrics.scrum.services import sprints as scrum_services
from metrics.snapshots.models import MetricComputeRequest, MetricSnapshot
from tests.unchanged import refused_checker

UTC = datetime.UTC
MONDAY = datetime.date(2026, 3, 2)

METRICS_MODELS = (
    AuditRecord,
    MetricComputeRequest,
    MetricSnapshot,
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
    Team,
    Sprint,
    SprintReopening,
    WorkItem,
    WorkItemChange,
    RetroAction,
    MoodVote,
    Product,
    ProductEvent,
    Customer,
    Order,
    MarketingSpend,
    SurveyResponse,
)


def everything() -> dict[str, Any]:
    """Every row a metrics write could touch (audit and compute requests included), comparable."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in METRICS_MODELS}


def api_refused(call, expected_status: int):
    """Make the call; assert its status and that no metrics row changed. Returns the response."""
    before = everything()
    response = call()
    assert response.status_code == expected_status, response.content
    assert everything() == before
    return response


refused = refused_checker(everything)


def at(day: int, hour: int = 10, month: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=UTC)


def build_scrum(project, people, suffix: str = "") -> dict[str, Any]:
    team = scrum_services.team_create(
        actor=people["pm"],
        portfolio=project.portfolio,
        name=f"Churn squad{suffix}",
        project=project,
        members=[people["ds"], people["architect"]],
    )
    sprint = scrum_services.sprint_create(
        actor=people["pm"],
        team=team,
        name=f"Sprint 1{suffix}",
        planned_start=datetime.date(2026, 3, 2),
        planned_end=datetime.date(2026, 3, 13),
    )
    item = scrum_services.work_item_create(
        actor=people["ds"], team=team, key=f"ML-1{suffix}", title="Train", points=3, sprint=sprint, at=at(1)
    )
    scrum_services.sprint_start(actor=people["pm"], sprint=sprint, at=at(2, 9))
    retro = scrum_services.retro_action_add(actor=people["pm"], sprint=sprint, text="Pair more", at=at(3))
    vote = scrum_services.mood_vote_record(actor=people["ds"], sprint=sprint, score=4, at=at(3))
    return {"team": team, "sprint": sprint, "item": item, "retro": retro, "vote": vote}


def build_product(project, people, suffix: str = "") -> dict[str, Any]:
    product = product_services.product_create(actor=people["product"], project=project, name=f"Scorer{suffix}")
    product_services.product_events_add(
        actor=people["product"], product=product, events=[{"user_id": "u1", "name": "score", "at": at(2)}]
    )
    customer = product_services.customer_add(
        actor=people["product"], product=product, external_id=f"C-1{suffix}", acquired_on=datetime.date(2026, 3, 1)
    )
    order = product_services.order_add(
        actor=people["product"], customer=customer, placed_at=at(3), revenue="120.00", gross_margin="0.4"
    )
    product_services.marketing_spend_add(
        actor=people["product"],
        product=product,
        channel="search",
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
        amount="500",
    )
    product_services.survey_response_add(actor=people["product"], product=product, kind="nps", score=9, at=at(4))
    return {"product": product, "customer": customer, "order": order}


def build_portfolio_inputs(project, people) -> dict[str, Any]:
    pm = people["pm"]
    portfolio_services.budget_set(actor=pm, project=project, period_start=datetime.date(2026, 3, 1), amount="1000")
    cost = portfolio_services.cost_entry_add(actor=pm, project=project, day=datetime.date(2026, 3, 3), amount="250")
    portfolio_services.allocation_set(actor=pm, person=people["ds"], project=project, week=MONDAY, hours="20")
    portfolio_services.time_entry_add(
        actor=people["ds"], person=people["ds"], project=project, day=datetime.date(2026, 3, 3), hours="6"
    )
    portfolio_services.capacity_set(actor=pm, person=people["ds"], week=MONDAY, working_hours="40")
    health.status_report_submit(actor=pm, project=project, as_of=timezone.localdate(), schedule="green", cost="yellow")
    risk = health.risk_add(actor=pm, project=project, title="Drift", probability="0.3", impact=4)
    issue = health.issue_open(actor=pm, project=project, title="Late data", severity="high")
    benefit = benefits.benefit_add(actor=pm, project=project, name="Churn saved")
    benefits.benefit_measurement_record(
        actor=pm, benefit=benefit, period_end=datetime.date(2026, 3, 31), planned="100", realized="80"
    )
    return {"cost": cost, "risk": risk, "issue": issue, "benefit": benefit}


def make_snapshot(project, metric: str = "cpi", period: str = "2026-03", value: float = 0.95) -> MetricSnapshot:
    return MetricSnapshot.objects.create(
        metric=metric,
        scope_type="project",
        scope_id=project.pk,
        period=period,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
        value=value,
        detail={"inputs": {"ev": 95, "ac": 100}},
        portfolio=project.portfolio,
        project=project,
        computed_at=at(5),
    )


def build_world(project, people) -> dict[str, Any]:
    """One row of every metrics input in the PM's portfolio; returns the ids the route walkers need."""
    portfolio_rows = build_portfolio_inputs(project, people)
    scrum = build_scrum(project, people)
    product = build_product(project, people)
    snapshot = make_snapshot(project)
    return {
        "projects": project.pk,
        "cost-entries": portfolio_rows["cost"].pk,
        "risks": portfolio_rows["risk"].pk,
        "issues": portfolio_rows["issue"].pk,
        "benefits": portfolio_rows["benefit"].pk,
        "teams": scrum["team"].pk,
        "sprints": scrum["sprint"].pk,
        "work-items": scrum["item"].pk,
        "retro-actions": scrum["retro"].pk,
        "products": product["product"].pk,
        "customers": product["customer"].pk,
        "orders": product["order"].pk,
        "metric-snapshots": snapshot.pk,
        "metrics": "cpi",
    }


class BudgetTestImport(ImportSpec):
    """An import registered by these tests only: monthly budgets of a project, through budget_set."""

    kind = "api-test-budget"
    label = "Budget (API tests)"
    scope_model = Project
    columns = (Column("month", help="First day of the month"), Column("amount"))

    def check_scope(self, actor, scope) -> None:
        require_manager(actor, scope, "import budgets")

    def import_row(self, actor, scope, row) -> None:
        portfolio_services.budget_set(actor=actor, project=scope, period_start=row["month"], amount=row["amount"])


@contextlib.contextmanager
def budget_import_registered():
    """Register BudgetTestImport for the block, and remove it after (the registry is process-wide)."""
    from metrics.imports.api.views import import_specs

    import_specs()  # load the real specs first, so they are not loaded (and re-registered) inside the block
    IMPORT_SPECS[BudgetTestImport.kind] = BudgetTestImport()
    try:
        yield BudgetTestImport.kind
    finally:
        IMPORT_SPECS.pop(BudgetTestImport.kind, None)


#: The views of the metrics inputs, imports and snapshots (other metrics API areas live in other modules).
METRICS_VIEWS = tuple(
    f"metrics.{area}.api.views" for area in ("imports", "portfolio_inputs", "product", "scrum", "snapshots")
)


def metrics_routes() -> list[tuple[str, Any]]:
    """(route, callback) of every API route served by the metrics input, import and snapshot views."""
    from tests.api.routes import api_routes

    return [(route, callback) for route, callback in api_routes() if callback.cls.__module__.startswith(METRICS_VIEWS)]


def schema_path(route: str) -> str:
    """A route as drf-spectacular documents it (projects/<int:project_pk>/ -> /projects/{project_pk}/)."""
    return "/" + route.replace("<pk>", "{id}").replace("<int:", "{").replace("<", "{").replace(">", "}")


def metrics_paths() -> set[str]:
    return {schema_path(route) for route, _ in metrics_routes()}
