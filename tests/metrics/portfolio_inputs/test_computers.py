"""Snapshot computers of the portfolio area on hand-built inputs: the stored values are the formulas' values."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lifecycle.choices import GateDecision, GateReviewStatus
from lifecycle.models import GateReview, Milestone, PhaseTransition
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.formulas import portfolio as formulas
from metrics.portfolio_inputs.computers.parts import ALERT_IMPACT
from metrics.portfolio_inputs.computers.people import person_result
from metrics.portfolio_inputs.computers.projects import portfolio_compute, project_results_for
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
)
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from metrics.snapshots.services import scope_compute
from tests.factories import make_project
from tests.metrics.dashboard_seed import seed_projects

pytestmark = pytest.mark.clock

TODAY = datetime.date(2026, 6, 30)
D = datetime.date


def _alert(project, owner, severity, state="open"):
    model, _ = DeployedModel.objects.get_or_create(
        project=project, name="scorer", defaults={"deployed_at": timezone.now()}
    )
    threshold = ProductionThreshold.objects.create(
        deployed_model=model, metric_key=f"drift_{severity}_{state}", comparator="<", threshold=0.2, severity=severity
    )
    return ModelAlert.objects.create(
        deployed_model=model,
        threshold=threshold,
        metric_key=threshold.metric_key,
        observed_value=0.5,
        threshold_value=0.2,
        comparator="<",
        severity=severity,
        observed_at=timezone.now(),
        raised_at=timezone.now(),
        state=state,
        owner=owner,
    )


@pytest.fixture
def built(project, people):
    """One project with every input, values chosen so each figure is easy to compute by hand (as of 2026-06-30)."""
    pm = people["pm"]
    project.start_date = D(2026, 2, 4)  # ideation 2026-01-05: 30 days to mobilize
    project.target_end_date = D(2026, 12, 31)
    project.save()
    charter = project.charter
    charter.expected_benefit, charter.expected_cost = Decimal(30000), Decimal(10000)
    charter.save()
    BudgetPeriod.objects.bulk_create(
        [BudgetPeriod(project=project, period_start=D(2026, month, 1), amount=Decimal(1000)) for month in range(1, 13)]
    )
    CostEntry.objects.create(project=project, day=D(2026, 1, 15), amount=Decimal(1500), created_by=pm)
    CostEntry.objects.create(project=project, day=D(2026, 3, 10), amount=Decimal(2500), created_by=pm)
    CostEntry.objects.create(project=project, day=D(2026, 7, 10), amount=Decimal(9999), created_by=pm)  # after today
    StatusReport.objects.create(
        project=project, as_of=D(2026, 4, 2), schedule_rag="green", overall_rag="green", derived_rag="green", author=pm
    )
    StatusReport.objects.create(
        project=project, as_of=D(2026, 6, 15), schedule_rag="yellow", cost_rag="green", overall_rag="red",
        derived_rag="yellow", override_rag="red", override_reason="Key people leaving",
        percent_complete=Decimal("0.4"), author=pm,
    )  # fmt: skip
    Risk.objects.create(project=project, title="open", probability=Decimal("0.5"), impact=4, opened_on=D(2026, 2, 1))
    Risk.objects.create(
        project=project, title="closed", probability=Decimal("0.9"), impact=5, opened_on=D(2026, 2, 1),
        state="closed", closed_on=D(2026, 3, 1),
    )  # fmt: skip
    _alert(project, pm, "high")
    _alert(project, pm, "medium", state="acknowledged")
    _alert(project, pm, "critical", state="resolved")
    Issue.objects.create(project=project, title="open", severity="high", opened_on=D(2026, 6, 1))
    Issue.objects.create(
        project=project, title="closed", severity="low", opened_on=D(2026, 5, 1), closed_on=D(2026, 5, 3)
    )
    benefit = Benefit.objects.create(project=project, name="Savings")
    for end, planned, realized in ((D(2026, 3, 31), 100, 50), (D(2026, 5, 31), 100, 150), (D(2026, 9, 30), 100, None)):
        BenefitMeasurement.objects.create(
            benefit=benefit, period_end=end, planned=Decimal(planned),
            realized=None if realized is None else Decimal(realized), recorded_by=pm,
        )  # fmt: skip
    Milestone.objects.create(charter=charter, name="MVP", due_date=D(2026, 4, 1), done=True)
    Milestone.objects.create(charter=charter, name="Pilot", due_date=D(2026, 5, 1), done=False)
    Milestone.objects.create(charter=charter, name="Launch", due_date=D(2026, 10, 1), done=False)
    for decision in (GateDecision.GO, GateDecision.RECYCLE, GateDecision.GO):
        GateReview.objects.create(
            project=project, phase="charter", status=GateReviewStatus.DECIDED, requested_by=pm,
            requested_at=timezone.now(), decision=decision, decided_by=pm, decided_at=timezone.now(),
        )  # fmt: skip
    return project


def _values(result):
    return {(value.metric, value.period): value for value in result.values}


@pytest.mark.django_db
def test_project_values_match_the_formulas(built):
    values = _values(project_results_for([built.pk], today=TODAY)[built.pk])
    # Data date 2026-06-15 (the report stating 40%): PV = 5 x 1000 + 1000 x 15/30 = 5500; AC to that day 4000.
    expected = formulas.earned_value_summary(12000, 5500 / 12000, 0.4, 4000)
    assert values[("planned_value", "")].value == pytest.approx(5500)
    assert values[("earned_value", "")].value == pytest.approx(4800) == pytest.approx(expected.earned_value)
    assert values[("cost_actual", "")].value == 4000
    assert values[("spi", "")].value == pytest.approx(4800 / 5500)
    assert values[("cpi", "")].value == pytest.approx(1.2)
    assert values[("eac_typical", "")].value == pytest.approx(10000)
    assert values[("etc", "")].value == pytest.approx(6000)
    assert values[("vac", "")].value == pytest.approx(2000)
    assert values[("cost_variance", "")].value == pytest.approx(800)
    assert values[("schedule_variance", "")].value == pytest.approx(-700)
    assert values[("cost_planned", "")].value == pytest.approx(5500)  # = PV: the same data date
    detail = values[("planned_value", "")].detail
    assert (detail["data_date"], detail["as_of"]) == ("2026-06-15", "2026-06-30")
    assert detail["projection_to_today"]["planned_cost"] == pytest.approx(6000)
    assert detail["projection_to_today"]["label"].startswith("projection to 2026-06-30")
    # SPI 0.87 -> red, CPI 1.2 -> green (computed wins over the report's yellow schedule)
    assert values[("schedule_health", "")].detail["rag"] == "red"
    assert values[("cost_health", "")].detail["rag"] == "green"
    assert values[("schedule_health", "")].value == 2.0
    # overall: worst of the computed dimensions (SPI 0.8 -> red); the PM's report (their own red) shows beside it
    overall = values[("overall_rag", "")]
    assert (overall.value, overall.detail["rag"], overall.detail["overridden"]) == (2.0, "red", False)
    assert (overall.detail["derived"], overall.detail["reported"], overall.detail["differs"]) == ("red", "red", False)


@pytest.mark.django_db
def test_open_model_alerts_weigh_in_risk_exposure(built):
    values = _values(project_results_for([built.pk], today=TODAY)[built.pk])
    exposure = values[("risk_exposure", "")]
    # open risk 0.5 x 4 = 2; unresolved alerts (open high 3, acknowledged medium 2); resolved and closed add nothing
    assert exposure.value == pytest.approx(2 + ALERT_IMPACT["high"] + ALERT_IMPACT["medium"]) == pytest.approx(7)
    assert exposure.detail["open_alerts"] == 2
    assert exposure.detail["risk_exposure"] == pytest.approx(2)
    assert values[("risk_health", "")].detail["rag"] == "red"
    issues = values[("issue_load", "")]
    assert issues.value == 4  # one open high issue
    assert values[("issue_health", "")].detail["rag"] == "yellow"
    assert issues.detail["opened"][-30] == 1 and issues.detail["days"][-30] == "2026-06-01"


@pytest.mark.django_db
def test_value_schedule_and_history_values(built):
    values = _values(project_results_for([built.pk], today=TODAY)[built.pk])
    assert values[("benefit_realization_rollup", "")].value == pytest.approx(1.0)  # 200 realized / 200 planned
    assert values[("benefit_realization_rollup", "")].detail["planned"] == 200
    assert values[("time_to_mobilize", "")].value == 30
    assert values[("expected_roi", "")].value == pytest.approx(2.0)
    assert values[("realized_roi", "")].value == pytest.approx((200 - 4000) / 4000)
    assert values[("payback_months", "")].value is None  # 200 of benefits never repay 10,000
    forecast = D(2026, 2, 4) + datetime.timedelta(days=round(330 / (4800 / 5500)))
    assert values[("schedule_slip", "")].value == (forecast - D(2026, 12, 31)).days
    statuses = [item["status"] for item in values[("milestone_status", "")].detail["milestones"]]
    assert statuses == ["done", "overdue", "upcoming"]
    assert values[("milestone_status", "")].value == 1
    # monthly S-curve rows: cumulative planned, actual, earned
    assert values[("cost_planned", "2026-03")].value == pytest.approx(3000)
    assert values[("cost_actual", "2026-01")].value == 1500
    assert values[("cost_actual", "2026-03")].value == 4000
    assert values[("earned_value", "2026-05")].value == 0  # no progress reported before June
    assert values[("earned_value", "2026-06")].value == pytest.approx(4800)
    assert ("cost_actual", "2026-07") not in values  # the future has no actuals
    assert values[("cost_planned", "2026-12")].value == pytest.approx(12000)
    curve = values[("cost_curve", "")].detail
    assert curve["forecast"] == pytest.approx(10000) and curve["bac"] == 12000
    assert curve["data_date"] == "2026-06-15"
    assert values[("cost_actual", "2026-03")].detail == {"increment": 2500}  # what portfolio sums add up
    # RAG history: the last report of each month
    assert values[("overall_rag", "2026-04")].detail["rag"] == "green"
    assert values[("overall_rag", "2026-06")].detail["rag"] == "red"
    assert values[("gate_decisions", "go")].value == 2
    assert values[("gate_decisions", "recycle")].value == 1
    assert values[("gate_decisions", "no_go")].value == 0


@pytest.mark.django_db
def test_scope_compute_stores_the_computed_values(built):
    scope_compute(ScopeType.PROJECT, built.pk)
    stored = {
        (row.metric, row.period): row for row in MetricSnapshot.objects.filter(scope_type="project", scope_id=built.pk)
    }
    fresh = _values(project_results_for([built.pk])[built.pk])
    assert set(stored) == set(fresh)
    for key, value in fresh.items():
        assert stored[key].value == pytest.approx(value.value) if value.value is not None else stored[key].value is None
    assert all(row.portfolio_id == built.portfolio_id and row.project_id == built.pk for row in stored.values())
    # running again rewrites the same rows (idempotent upsert)
    scope_compute(ScopeType.PROJECT, built.pk)
    assert MetricSnapshot.objects.filter(scope_type="project", scope_id=built.pk).count() == len(stored)


@pytest.mark.django_db
def test_project_computation_uses_the_same_queries_for_1_and_5_projects(portfolio, people):
    projects = seed_projects(portfolio, count=5, owner=people["pm"], sponsor=people["exec"])
    counts = []
    for ids in ([projects[0].pk], [p.pk for p in projects]):
        with CaptureQueriesContext(connection) as queries:
            results = project_results_for(ids)
        assert len(results) == len(ids)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_portfolio_gate_throughput_and_time_to_mobilize(built, portfolio, people):
    other = make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")
    other.start_date = other.ideation_date + datetime.timedelta(days=10)
    other.save()
    result = portfolio_compute(portfolio.pk)
    assert result is not None and result.project_id is None
    values = {value.metric: value for value in result.values}
    throughput = values["gate_throughput"].detail
    assert throughput["counts"] == {"go": 2, "conditional_go": 0, "recycle": 1, "no_go": 0}
    assert throughput["rates"]["go"] == pytest.approx(2 / 3)
    assert values["gate_throughput"].value == pytest.approx(2 / 3)
    # both projects are still in their charter phase: no completed phase to take a median of, two in progress
    assert throughput["median_days"]["charter"] is None
    assert throughput["in_progress"]["charter"]["projects"] == 2
    assert throughput["in_progress"]["charter"]["oldest_days"] is not None
    mobilize = values["time_to_mobilize_summary"]
    assert mobilize.value == pytest.approx(20)  # median of 30 and 10
    assert mobilize.detail["p85"] == pytest.approx(10 + 0.85 * 20)
    assert portfolio_compute(10**9) is None


@pytest.mark.django_db
def test_person_utilization_per_week(people, project):
    pm = people["pm"]
    monday = D(2026, 6, 22)
    Capacity.objects.create(person=pm, week=monday, working_hours=Decimal(40), leave_hours=Decimal(8))
    Allocation.objects.create(person=pm, project=project, week=monday, hours=Decimal(40))
    result = person_result(pm.pk, today=D(2026, 6, 24))  # Wednesday
    assert result is not None and result.portfolio_id == project.portfolio_id
    (value,) = result.values
    week = next(item for item in value.detail["weeks"] if item["week"] == "2026-06-22")
    assert week["capacity"] == 32 and week["planned"] == pytest.approx(40 / 32)
    assert week["over"] is True
    assert value.value == pytest.approx(40 / 32)
    assert value.detail["over_weeks"] == 1
    assert person_result(people["outsider"].pk) is not None
    from tests.factories import UserFactory

    assert person_result(UserFactory(username="nobody").pk) is None


@pytest.mark.django_db
def test_project_phase_transitions_feed_phase_duration(project):
    assert PhaseTransition.objects.filter(project=project).exists()
    values = _values(project_results_for([project.pk])[project.pk])
    assert values[("phase_duration", "charter")].detail == {"current": True, "in_progress": True, "ended_by": ""}
