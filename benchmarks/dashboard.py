"""Portfolio dashboard and full recompute at scale: synthetic organizations of 500 and 5,000 projects.

Run: `.venv/bin/python benchmarks/dashboard.py` (the lead wires it into `make bench`). Needs PostgreSQL
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/stagegate_bench; dropped and created again).

Each project gets realistic inputs, bulk-created (not through the services, for speed): a charter with
milestones, its phase history, 12 monthly budgets, ~2 cost entries a month, 6 monthly status reports, risks,
issues, benefits with measurements, allocations of two people; every 10 projects share a scrum team with 8
sprints (7 closed with their frozen summary, 1 active) of 10 work items each. Then, at each size:
`compute_metrics --all` in-process (timed once), then the median server time (django.test.Client) of: the
portfolio dashboard as an executive, as served (its figures are cached per snapshot version) and as first
rendered after a recomputation (cache emptied before each request); the trivial view, the sign-in page (the
whole stack: middleware, session, base template, no data); and /healthz for reference.

Prints the figures and the three ratios with their goals:
dashboard 5,000 / 500 (<= 1.5), dashboard / trivial view at 5,000 (<= 10), recompute 5,000 / 500 (<= 12).
"""

import dataclasses
import datetime
import io
import os
import random
import sys
import time
from decimal import Decimal

from _setup import median_seconds, setup_django

# BENCH_DASHBOARD_SIZES=50,500 makes a quick smoke run; the figures that count are at the default sizes.
SIZES = tuple(int(size) for size in os.environ.get("BENCH_DASHBOARD_SIZES", "500,5000").split(","))
PORTFOLIOS = ("Applied Machine Learning", "Demand Intelligence", "AI Platform", "AI Research")
PROJECTS_PER_TEAM = 10
SPRINTS_PER_TEAM = 8
ITEMS_PER_SPRINT = 10
STAFF = 24
START = datetime.date(2025, 1, 1)
REPEAT, WARMUP = 9, 2  # dashboard requests per size (median), after warm-up requests
GOALS = {"dashboard 5000/500": 1.5, "dashboard/trivial at 5000": 10.0, "recompute 5000/500": 12.0}


def build_organization():
    from portal.models import User
    from portfolio.choices import Role
    from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal

    portfolios = [Portfolio.objects.create(name=name, slug=f"p{i}") for i, name in enumerate(PORTFOLIOS)]
    executive = User.objects.create_user("exec", password="bench")
    pm = User.objects.create_user("pm", password="bench")
    staff = [User.objects.create_user(f"staff{i}", password="bench") for i in range(STAFF)]
    memberships = []
    for portfolio in portfolios:
        memberships.append(Membership(user=executive, portfolio=portfolio, role=Role.EXECUTIVE_LEADER))
        memberships.append(Membership(user=pm, portfolio=portfolio, role=Role.PROJECT_MANAGER))
        memberships += [Membership(user=person, portfolio=portfolio, role=Role.DATA_SCIENTIST) for person in staff]
    Membership.objects.bulk_create(memberships)
    return {
        "portfolios": portfolios,
        "units": [BusinessUnit.objects.create(name=f"Unit {i}") for i in range(6)],
        "goals": [StrategicGoal.objects.create(name=f"Goal {i}") for i in range(5)],
        "exec": executive,
        "pm": pm,
        "staff": staff,
    }


def _day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def _moment(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


def _month(index: int) -> datetime.date:
    return datetime.date(START.year + index // 12, index % 12 + 1, 1)


def add_projects(org, start: int, count: int, rng: random.Random) -> list:
    from lifecycle.choices import Phase, ProjectState, RiskTier
    from lifecycle.models import Charter, Milestone, PhaseTransition, Project

    phases = Phase.ordered()
    projects = Project.objects.bulk_create(
        [
            Project(
                code=f"BEN-{number:05d}",
                name=f"{rng.choice(['Churn', 'Demand', 'Fraud', 'Pricing', 'Search'])} model {number}",
                portfolio=rng.choice(org["portfolios"]),
                business_unit=rng.choice(org["units"]),
                strategic_goal=rng.choice(org["goals"]),
                owner=org["pm"],
                sponsor=org["exec"],
                risk_tier=rng.choice(RiskTier.values),
                ideation_date=_day(number % 60),
                start_date=_day(number % 60 + 20),
                target_end_date=_day(number % 60 + 400),
                phase=rng.choice(phases),
                state=rng.choices(ProjectState.values, weights=[80, 8, 6, 6])[0],
                overall_rag=rng.choice(["green", "green", "yellow", "red"]),
            )
            for number in range(start, start + count)
        ],
        batch_size=1000,
    )
    charters = Charter.objects.bulk_create([Charter(project=project) for project in projects], batch_size=1000)
    Milestone.objects.bulk_create(
        [
            Milestone(charter=charter, name=f"Milestone {i}", due_date=_day(90 * i + 30), done=i < 2, position=i)
            for charter in charters
            for i in range(4)
        ],
        batch_size=2000,
    )
    transitions = []
    for project in projects:
        reached = phases[: phases.index(Phase(project.phase)) + 1]
        previous = ""
        for step, phase in enumerate(reached):
            transitions.append(
                PhaseTransition(
                    project=project, from_phase=previous, to_phase=phase, from_state="" if not previous else "active",
                    to_state="active", actor=org["pm"],
                    at=_moment(project.ideation_date + datetime.timedelta(days=45 * step)),
                    reason="bench",
                )
            )  # fmt: skip
            previous = phase
    PhaseTransition.objects.bulk_create(transitions, batch_size=2000)
    add_portfolio_inputs(org, projects, rng)
    add_teams(org, projects, rng)
    return projects


def add_portfolio_inputs(org, projects, rng: random.Random) -> None:
    from metrics.portfolio_inputs.models import (
        Allocation,
        Benefit,
        BenefitMeasurement,
        BudgetPeriod,
        CostEntry,
        Issue,
        Risk,
        StatusReport,
    )

    pm = org["pm"]
    rows: dict[type, list] = {model: [] for model in (BudgetPeriod, CostEntry, StatusReport, Risk, Issue, Allocation)}
    for project in projects:
        for month in range(12):
            rows[BudgetPeriod].append(BudgetPeriod(project=project, period_start=_month(month), amount=Decimal(10_000)))
            for _ in range(2):
                day = _month(month) + datetime.timedelta(days=rng.randrange(28))
                amount = Decimal(rng.randrange(2_000, 7_000))
                rows[CostEntry].append(CostEntry(project=project, day=day, amount=amount, created_by=pm))
        for month in range(6):
            rag = rng.choice(["green", "yellow", "red"])
            rows[StatusReport].append(
                StatusReport(
                    project=project, as_of=_month(month) + datetime.timedelta(days=27), schedule_rag=rag,
                    cost_rag="green", risk_rag=rag, issues_rag="green", derived_rag=rag, overall_rag=rag,
                    percent_complete=Decimal(month) / 10, author=pm,
                )
            )  # fmt: skip
        for i in range(4):
            rows[Risk].append(
                Risk(
                    project=project, title=f"Risk {i}", probability=Decimal(rng.randrange(1, 10)) / 10,
                    impact=rng.randrange(1, 6), state="open" if i < 3 else "closed", opened_on=_day(30 * i),
                    closed_on=None if i < 3 else _day(30 * i + 20),
                )
            )  # fmt: skip
        for i in range(3):
            rows[Issue].append(
                Issue(
                    project=project, title=f"Issue {i}", severity=rng.choice(["low", "medium", "high"]),
                    opened_on=_day(40 * i), closed_on=_day(40 * i + 10) if i == 0 else None,
                )
            )  # fmt: skip
        for week in range(4):
            monday = datetime.date(2025, 3, 3) + datetime.timedelta(weeks=week)
            for person in rng.sample(org["staff"], 2):
                rows[Allocation].append(Allocation(person=person, project=project, week=monday, hours=Decimal(16)))
    for model, objects in rows.items():
        model.objects.bulk_create(objects, batch_size=5000, ignore_conflicts=model is Allocation)
    benefits = Benefit.objects.bulk_create(
        [Benefit(project=project, name=f"Benefit {i}", unit="EUR") for project in projects for i in range(2)],
        batch_size=5000,
    )
    BenefitMeasurement.objects.bulk_create(
        [
            BenefitMeasurement(
                benefit=benefit, period_end=_month(month + 1) - datetime.timedelta(days=1), planned=Decimal(5_000),
                realized=Decimal(rng.randrange(2_000, 6_000)) if month < 4 else None, recorded_by=pm,
            )
            for benefit in benefits
            for month in range(6)
        ],
        batch_size=5000,
    )  # fmt: skip


def add_teams(org, projects, rng: random.Random) -> None:
    """One team per PROJECTS_PER_TEAM projects: closed sprints carry the summary their close froze."""
    from lifecycle.services.audit import json_safe
    from metrics.formulas.scrum import sprint_summary
    from metrics.scrum.adapters import as_formula_sprint, work_item_changes
    from metrics.scrum.models import Sprint, Team, WorkItem, WorkItemChange

    teams = Team.objects.bulk_create(
        [
            Team(portfolio_id=project.portfolio_id, project=project, name=f"Team {project.code}")
            for project in projects[::PROJECTS_PER_TEAM]
        ]
    )
    sprints = []
    for team in teams:
        for number in range(SPRINTS_PER_TEAM):
            start = datetime.date(2025, 1, 6) + datetime.timedelta(weeks=2 * number)
            closed = number < SPRINTS_PER_TEAM - 1
            sprints.append(
                Sprint(
                    team=team, name=f"S{number + 1}", planned_start=start,
                    planned_end=start + datetime.timedelta(days=11),
                    state="closed" if closed else "active", started_at=_moment(start, 9),
                    completed_at=_moment(start + datetime.timedelta(days=11), 17) if closed else None,
                    last_closed_at=_moment(start + datetime.timedelta(days=11), 17) if closed else None,
                )
            )  # fmt: skip
    sprints = Sprint.objects.bulk_create(sprints, batch_size=2000)
    items, changes = [], []
    for sprint in sprints:
        for number in range(ITEMS_PER_SPRINT):
            done = sprint.state == "closed" and rng.random() < 0.8
            item = WorkItem(
                team_id=sprint.team_id, key=f"{sprint.name}-{number}", title="Work",
                points=Decimal(rng.choice([1, 2, 3, 5, 8])),
                item_type=rng.choice(["story", "story", "defect", "task"]), state_group="done" if done else "todo",
                sprint=sprint, created_at=sprint.started_at - datetime.timedelta(days=1),
                resolved_at=sprint.started_at + datetime.timedelta(days=rng.randrange(1, 10)) if done else None,
            )  # fmt: skip
            items.append(item)
    items = WorkItem.objects.bulk_create(items, batch_size=5000)
    for item in items:
        common = {"item": item, "sprint": item.sprint, "points": item.points, "item_type": item.item_type}
        changes.append(WorkItemChange(at=item.created_at, state_group="todo", changed=["sprint"], **common))
        if item.resolved_at:
            changes.append(WorkItemChange(at=item.resolved_at, state_group="done", changed=["state_group"], **common))
    WorkItemChange.objects.bulk_create(changes, batch_size=5000)
    for sprint in sprints:
        if sprint.state == "closed":
            summary = sprint_summary(work_item_changes(sprint), as_formula_sprint(sprint))
            sprint.summary = json_safe(dataclasses.asdict(summary))
    Sprint.objects.bulk_update([s for s in sprints if s.summary is not None], ["summary"], batch_size=1000)


def recompute_seconds() -> tuple[float, str]:
    from django.core.management import call_command

    out = io.StringIO()
    started = time.perf_counter()
    call_command("compute_metrics", "--all", stdout=out)
    return time.perf_counter() - started, out.getvalue().strip().splitlines()[-1]


def measure_pages(client, anonymous) -> dict[str, float]:
    from django.core.cache import cache
    from django.urls import reverse

    def get(path: str, who=client) -> None:
        response = who.get(path)
        assert response.status_code == 200, (path, response.status_code)

    def first_render() -> None:
        cache.clear()  # as after a recomputation: the figures are rendered from the snapshots
        get(dashboard)

    dashboard = reverse("dashboard-portfolio")
    return {
        "dashboard": median_seconds(lambda: get(dashboard), repeat=REPEAT, warmup=WARMUP),
        "dashboard_render": median_seconds(first_render, repeat=REPEAT, warmup=WARMUP),
        # The trivial view: a real page through the whole stack (middleware, session, base template), no data.
        "trivial": median_seconds(lambda: get(reverse("login"), anonymous), repeat=REPEAT, warmup=WARMUP),
        "healthz": median_seconds(lambda: get("/healthz"), repeat=REPEAT, warmup=WARMUP),
    }


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test import Client

    rng = random.Random(11)
    org = build_organization()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(org["exec"])
    anonymous = Client(HTTP_HOST="127.0.0.1")
    results: dict[int, dict[str, float]] = {}
    created = 0
    for size in SIZES:
        started = time.perf_counter()
        add_projects(org, created, size - created, rng)
        created = size
        with connection.cursor() as cursor:  # as autovacuum would after a bulk load: fresh planner statistics
            cursor.execute("ANALYZE")
        print(f"{size:,} projects: inputs built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        seconds, summary = recompute_seconds()
        print(f"{size:,} projects: {summary}", file=sys.stderr)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        results[size] = {"recompute": seconds, **measure_pages(client, anonymous)}

    small, large = results[SIZES[0]], results[SIZES[-1]]
    print(f"{'median server time / one recompute':<28}")
    print(f"{'':<28}" + "".join(f"{size:>12,}" for size in SIZES))
    rows = (
        ("recompute", "s", 1),
        ("dashboard", "ms", 1000),
        ("dashboard_render", "ms", 1000),
        ("trivial", "ms", 1000),
        ("healthz", "ms", 1000),
    )
    for name, unit, scale in rows:
        print(f"{name + ' (' + unit + ')':<28}" + "".join(f"{results[size][name] * scale:>12.1f}" for size in SIZES))
    ratios = {
        "dashboard 5000/500": large["dashboard"] / small["dashboard"],
        "dashboard/trivial at 5000": large["dashboard"] / large["trivial"],
        "recompute 5000/500": large["recompute"] / small["recompute"],
    }
    for name, ratio in ratios.items():
        verdict = "ok" if ratio <= GOALS[name] else "ABOVE GOAL"
        print(f"{name:<28}{ratio:>12.2f}   goal <= {GOALS[name]:g}  {verdict}")
    render = large["dashboard_render"]
    print(f"{'first render 5000/500':<28}{render / small['dashboard_render']:>12.2f}   (figures not cached yet)")
    print(f"{'first render/trivial 5000':<28}{render / large['trivial']:>12.2f}   (figures not cached yet)")


if __name__ == "__main__":
    main()
