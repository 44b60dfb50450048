"""The portfolio snapshots against the independent oracle (``portfolio_oracle``) on generated portfolios.

Each example builds a portfolio of a few projects (budgets, costs, status reports stating % complete, risks,
issues, a lifecycle history with holds, closures and cancellations, manager overrides) and its people (capacity,
allocations, time entries), computes every snapshot as ``compute_metrics`` does at a pinned instant, and asks the
oracle for the disagreements: there must be none. Each example runs in a savepoint rolled back at its end.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lifecycle.choices import Phase as LifecyclePhase
from lifecycle.models import PhaseTransition, Project
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.portfolio_inputs.models import (
    Allocation,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    RagOverride,
    Risk,
    StatusReport,
    TimeEntry,
)
from portfolio.choices import Role
from tests.factories import PortfolioFactory, make_project, member
from tests.metrics.oracle import portfolio_oracle as oracle

pytestmark = pytest.mark.django_db

#: A Wednesday; each example moves "now" by 0-6 days so the current week's remaining working days vary.
BASE_NOW = datetime.datetime(2026, 6, 17, 12, tzinfo=datetime.UTC)
RAGS = ("green", "yellow", "red")
SEVERITIES = ("low", "medium", "high", "critical")
EVENTS = ("next", "hold", "resume", "close", "cancel", "stay")
DAY = datetime.timedelta(days=1)


@dataclass
class ProjectSpec:
    age_days: int  # created this many days before now
    events: list[tuple[int, str]]  # (hours after the previous transition, what happens)
    end_date_known: bool
    budget_first_month: int  # months from today's month
    budget: list[int]  # cents per month
    costs: list[tuple[int, int]]  # (days from today, cents)
    reports: list[tuple[int, int | None, str, str, str]]  # (days from today, % in 1/10,000, schedule, cost, overall)
    risks: list[tuple[int, int, bool]]  # (probability %, impact, open)
    issues: list[tuple[str, int, int | None]]  # (severity, opened days from today, closed days after opened)
    override: tuple[str, int, bool] | None  # (RAG, last day from today, revoked)
    alerts: list[tuple[str, str]]  # production model alerts: (severity, state)


@dataclass
class PersonSpec:
    capacity: dict[int, tuple[int, int]]  # week offset -> (working, leave) hours
    allocations: dict[tuple[int, int], int]  # (project index, week offset) -> hours
    time_entries: list[tuple[int, int, int]]  # (project index, days from today, quarter hours)


@dataclass
class World:
    shift: int
    projects: list[ProjectSpec]
    people: list[PersonSpec] = field(default_factory=list)


rag_or_blank = st.sampled_from(("", *RAGS))
project_specs = st.builds(
    ProjectSpec,
    age_days=st.integers(30, 400),
    events=st.lists(st.tuples(st.integers(0, 24 * 90), st.sampled_from(EVENTS)), max_size=6),
    end_date_known=st.booleans(),
    budget_first_month=st.integers(-12, 3),
    budget=st.lists(st.integers(0, 2_000_000), max_size=5),
    costs=st.lists(st.tuples(st.integers(-360, 5), st.integers(0, 800_000)), max_size=5),
    reports=st.lists(
        st.tuples(
            st.integers(-200, 0), st.none() | st.integers(0, 10_000), rag_or_blank, rag_or_blank, st.sampled_from(RAGS)
        ),
        max_size=3,
    ),  # fmt: skip
    risks=st.lists(st.tuples(st.integers(0, 100), st.integers(1, 5), st.booleans()), max_size=3),
    issues=st.lists(
        st.tuples(st.sampled_from(SEVERITIES), st.integers(-120, 0), st.none() | st.integers(0, 60)),
        max_size=4,
    ),  # fmt: skip
    override=st.none() | st.tuples(st.sampled_from(RAGS), st.integers(-5, 20), st.booleans()),
    alerts=st.lists(
        st.tuples(st.sampled_from(SEVERITIES), st.sampled_from(("open", "acknowledged", "resolved"))), max_size=2
    ),
)


@st.composite
def person_specs(draw: st.DrawFn, projects: int) -> PersonSpec:
    weeks = st.integers(-9, 9)
    capacity = draw(
        st.dictionaries(
            weeks, st.integers(0, 40).flatmap(lambda w: st.tuples(st.just(w), st.integers(0, w))), max_size=6
        )
    )
    allocations = draw(st.dictionaries(st.tuples(st.integers(0, projects - 1), weeks), st.integers(0, 60), max_size=6))
    entries = draw(
        st.lists(st.tuples(st.integers(0, projects - 1), st.integers(-70, 3), st.integers(1, 40)), max_size=8)
    )
    return PersonSpec(capacity, allocations, entries)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    projects = draw(st.lists(project_specs, min_size=1, max_size=4))
    people = draw(st.lists(person_specs(len(projects)), max_size=3))
    return World(shift=draw(st.integers(0, 6)), projects=projects, people=people)


# --- building the rows ------------------------------------------------------------------------------------------


def _month(today: datetime.date, offset: int) -> datetime.date:
    index = today.year * 12 + today.month - 1 + offset
    return datetime.date(index // 12, index % 12 + 1, 1)


def _lifecycle(project: Project, spec: ProjectSpec, actor, now: datetime.datetime) -> None:
    """The creation transition moved back to the project's creation, then the spec's events where they apply."""
    created = now - datetime.timedelta(days=spec.age_days)
    Project.objects.filter(pk=project.pk).update(created_at=created)
    PhaseTransition.objects.filter(project=project).update(at=created)
    phases, phase, state, at = LifecyclePhase.ordered(), LifecyclePhase.CHARTER, "active", created
    for hours, event in spec.events:
        at = min(at + datetime.timedelta(hours=hours), now)
        moves = {
            "next": (phases[min(phases.index(phase) + 1, len(phases) - 1)], "active", state == "active"),
            "hold": (phase, "on_hold", state == "active"),
            "resume": (phase, "active", state == "on_hold"),
            "close": (phase, "closed", state == "active"),
            "cancel": (phase, "cancelled", state in ("active", "on_hold")),
            "stay": (phase, "active", state == "active"),
        }
        to_phase, to_state, allowed = moves[event]
        if not allowed:
            continue
        PhaseTransition.objects.create(
            project=project, from_phase=phase, to_phase=to_phase, from_state=state, to_state=to_state, actor=actor,
            at=at, reason=event,
        )  # fmt: skip
        phase, state = to_phase, to_state
    end = at.date() if state in ("closed", "cancelled") and spec.end_date_known else None
    Project.objects.filter(pk=project.pk).update(phase=phase, state=state, actual_end_date=end)


def _inputs(project: Project, spec: ProjectSpec, author, today: datetime.date) -> None:
    BudgetPeriod.objects.bulk_create(
        BudgetPeriod(project=project, period_start=_month(today, spec.budget_first_month + i), amount=Decimal(c) / 100)
        for i, c in enumerate(spec.budget)
    )
    CostEntry.objects.bulk_create(
        CostEntry(project=project, day=today + days * DAY, amount=Decimal(cents) / 100, created_by=author)
        for days, cents in spec.costs
    )
    for days, percent, schedule, cost, overall in spec.reports:
        StatusReport.objects.create(
            project=project, as_of=today + days * DAY, schedule_rag=schedule, cost_rag=cost, overall_rag=overall,
            percent_complete=None if percent is None else Decimal(percent) / 10_000, author=author,
        )  # fmt: skip
    for percent, impact, is_open in spec.risks:
        Risk.objects.create(
            project=project, title="Risk", probability=Decimal(percent) / 100, impact=impact,
            state="open" if is_open else "closed", opened_on=today - 200 * DAY, closed_on=None if is_open else today,
        )  # fmt: skip
    for severity, opened, closed_after in spec.issues:
        opened_on = today + opened * DAY
        closed_on = None if closed_after is None else min(opened_on + closed_after * DAY, today)
        Issue.objects.create(
            project=project, title="Issue", severity=severity, opened_on=opened_on, closed_on=closed_on
        )
    if spec.override:
        rag, last_day, revoked = spec.override
        RagOverride.objects.create(
            project=project, rag=rag, reason="Board decision", expires_on=today + last_day * DAY, created_by=author,
            revoked_at=BASE_NOW if revoked else None,
        )  # fmt: skip


def _alerts(project: Project, alerts: list[tuple[str, str]], owner, now: datetime.datetime) -> None:
    """One deployed model with a threshold per alert (at most one unresolved alert per threshold)."""
    if not alerts:
        return
    model = DeployedModel.objects.create(project=project, name="Scorer", deployed_at=now)
    for index, (severity, state) in enumerate(alerts):
        key = f"auc_{index}"
        threshold = ProductionThreshold.objects.create(
            deployed_model=model, metric_key=key, comparator=">=", threshold=1
        )
        ModelAlert.objects.create(
            deployed_model=model, threshold=threshold, metric_key=key, observed_value=0.5, threshold_value=1,
            comparator=">=", severity=severity, observed_at=now, raised_at=now, state=state, owner=owner,
        )  # fmt: skip


def _people(portfolio, projects: list[Project], specs: list[PersonSpec], author, today: datetime.date) -> None:
    monday = today - datetime.timedelta(days=today.weekday())
    for spec in specs:
        person = member(portfolio, Role.DATA_SCIENTIST)
        Capacity.objects.bulk_create(
            Capacity(person=person, week=monday + datetime.timedelta(weeks=week), working_hours=w, leave_hours=leave)
            for week, (w, leave) in spec.capacity.items()
        )
        Allocation.objects.bulk_create(
            Allocation(person=person, project=projects[index], week=monday + datetime.timedelta(weeks=week), hours=h)
            for (index, week), h in spec.allocations.items()
        )
        TimeEntry.objects.bulk_create(
            TimeEntry(person=person, project=projects[index], day=today + days * DAY, hours=Decimal(quarters) / 4,
                      created_by=author)
            for index, days, quarters in spec.time_entries
        )  # fmt: skip


def build(world: World, now: datetime.datetime) -> None:
    today = now.date()
    portfolio = PortfolioFactory()
    pm, sponsor = member(portfolio, Role.PROJECT_MANAGER), member(portfolio, Role.EXECUTIVE_LEADER)
    projects = []
    for spec in world.projects:
        project = make_project(portfolio=portfolio, owner=pm, sponsor=sponsor)
        _lifecycle(project, spec, pm, now)
        _inputs(project, spec, pm, today)
        _alerts(project, spec.alerts, pm, now)
        projects.append(project)
    _people(portfolio, projects, world.people, pm, today)


# --- the comparison ---------------------------------------------------------------------------------------------


# No shrinking: each example builds a database, and a failure already lists its disagreements one per line.
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(world=worlds())
def test_the_snapshots_agree_with_the_oracle_on_generated_portfolios(world: World) -> None:
    now = BASE_NOW + world.shift * DAY
    with time_machine.travel(now, tick=False), transaction.atomic():
        build(world, now)
        call_command("compute_metrics", stdout=io.StringIO())
        found = oracle.disagreements(now.date(), now)
        transaction.set_rollback(True)
    assert found == [], "\n".join(found)
