"""Portfolio inputs per demo project: budget and costs, fortnightly status reports, risks, issues, benefits,
and the people's capacity, allocations and logged time over the last and next weeks."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser

from lifecycle.choices import RAG, Phase, ProjectState
from lifecycle.demo.projects import PROJECTS
from lifecycle.models import PhaseTransition, Project, SuccessMetric
from metrics.portfolio_inputs.choices import CostCategory, IssueSeverity
from metrics.portfolio_inputs.models import StatusReport
from metrics.portfolio_inputs.services import benefits, health
from metrics.portfolio_inputs.services import resources as inputs

RISKS = (
    ("Training data access is delayed by the data owner", "Escalate through the steering committee."),
    ("Label quality is lower than assumed", "Audit a labelled sample each sprint."),
    ("Key data scientist leaves mid-project", "Pair on every model; document decisions."),
    ("Regulator asks for an explainability review", "Prepare model cards early."),
    ("Serving latency too high for the channel", "Benchmark the serving path in modeling."),
    ("Upstream schema changes break the pipeline", "Contract tests on the source tables."),
)
ISSUES = (
    ("Feature store backfill failed for March", IssueSeverity.HIGH),
    ("Drift dashboard missing two segments", IssueSeverity.MEDIUM),
    ("Access request to the CRM extract pending", IssueSeverity.MEDIUM),
    ("Notebook results not reproducible", IssueSeverity.LOW),
    ("Scoring job timed out twice in production", IssueSeverity.CRITICAL),
    ("Vendor invoice mapped to the wrong cost centre", IssueSeverity.LOW),
)


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    first = start.replace(day=1)
    months = []
    while first <= end:
        months.append(first)
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return months


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _end_of_story(project: Project, today: datetime.date) -> datetime.date:
    if project.state in (ProjectState.CLOSED, ProjectState.CANCELLED):
        last = PhaseTransition.objects.filter(project=project).order_by("-at").values_list("at", flat=True).first()
        if last is not None:
            return min(today, last.date())
    return today


# How each demo project is meant to fare: its costs and progress are drawn so that the computed RAG follows.
INTENDED_HEALTH = {spec.code: spec.rag for spec in PROJECTS}


def _rag_for(share_late: float, final: str, is_last: bool) -> str:
    if is_last:
        return final
    if share_late > 0.8 and final != RAG.GREEN:
        return RAG.YELLOW
    return RAG.GREEN


def project_inputs_seed(project: Project, rng: random.Random, today: datetime.date) -> bool:
    """One project's costs, status history, risks, issues and benefits; False when there is nothing to add."""
    if project.start_date is None or StatusReport.objects.filter(project=project).exists():
        return False
    owner = project.owner
    start, end_plan = project.start_date, project.target_end_date or project.start_date
    story_end = _end_of_story(project, today)
    bac = Decimal(rng.randrange(240, 1200) * 1000)
    months = _months(start, end_plan)
    per_month = (bac / len(months)).quantize(Decimal("1"))
    for month in months:
        inputs.budget_set(actor=owner, project=project, period_start=month, amount=per_month)
    intended = INTENDED_HEALTH.get(project.code, RAG.GREEN)
    overrun = {RAG.GREEN: rng.uniform(0.85, 1.05), RAG.YELLOW: 1.12, RAG.RED: 1.3}[intended]
    for month in _months(start, story_end):
        day = min(month + datetime.timedelta(days=27), story_end)
        labour = per_month * Decimal(str(round(overrun * rng.uniform(0.6, 0.75), 3)))
        compute = per_month * Decimal(str(round(overrun * rng.uniform(0.15, 0.3), 3)))
        inputs.cost_entry_add(
            actor=owner,
            project=project,
            day=day,
            amount=labour.quantize(Decimal("1")),
            category=CostCategory.LABOUR,
            note="Team time",
        )
        inputs.cost_entry_add(
            actor=owner,
            project=project,
            day=day,
            amount=compute.quantize(Decimal("1")),
            category=CostCategory.INFRASTRUCTURE,
            note="Cloud compute",
        )

    planned_days = max(1, (end_plan - start).days)
    pace = {RAG.GREEN: rng.uniform(0.95, 1.1), RAG.YELLOW: 0.85, RAG.RED: 0.7}[intended]
    final = intended
    reports = []
    day = start + datetime.timedelta(days=14)
    while day <= story_end - datetime.timedelta(days=2):
        reports.append(day)
        day += datetime.timedelta(days=14)
    for index, as_of in enumerate(reports):
        share = (index + 1) / len(reports)
        complete = min(1.0, pace * (as_of - start).days / planned_days)
        last = index == len(reports) - 1
        schedule = _rag_for(share, final, last)
        health.status_report_submit(
            actor=owner,
            project=project,
            as_of=as_of,
            schedule=schedule,
            cost=RAG.YELLOW if overrun > 1.1 and share > 0.5 else RAG.GREEN,
            risk=RAG.GREEN if rng.random() < 0.8 else RAG.YELLOW,
            issues=RAG.GREEN,
            percent_complete=Decimal(str(round(complete, 3))),
            summary="On track." if schedule == RAG.GREEN else "Behind plan: see risks and issues.",
        )

    people = [owner, project.sponsor]
    for title, mitigation in rng.sample(RISKS, rng.randint(3, 5)):
        opened = start + datetime.timedelta(days=rng.randint(5, max(6, (story_end - start).days // 2)))
        risk = health.risk_add(
            actor=owner,
            project=project,
            title=title,
            probability=Decimal(str(rng.choice((0.1, 0.2, 0.3, 0.4, 0.6)))),
            impact=rng.randint(1, 5),
            owner=owner,
            opened_on=opened,
            mitigation=mitigation,
        )
        if rng.random() < 0.4:
            closed = min(story_end, opened + datetime.timedelta(days=rng.randint(10, 60)))
            health.risk_close(actor=owner, risk=risk, closed_on=closed, reason="Mitigated.")
    for title, severity in rng.sample(ISSUES, rng.randint(2, 5)):
        opened = start + datetime.timedelta(days=rng.randint(3, max(4, (story_end - start).days - 3)))
        issue = health.issue_open(
            actor=owner, project=project, title=title, severity=severity, opened_on=opened, owner=rng.choice(people)
        )
        if rng.random() < 0.6:
            closed = min(story_end, opened + datetime.timedelta(days=rng.randint(2, 30)))
            health.issue_close(actor=owner, issue=issue, closed_on=closed, resolution="Fixed and verified.")

    _benefits_seed(project, rng, story_end)
    return True


def _benefits_seed(project: Project, rng: random.Random, story_end: datetime.date) -> None:
    """Deployed models earn their benefit monthly from go-live; some realize less than planned."""
    if project.phase not in (Phase.DEPLOYMENT, Phase.CLOSURE):
        return
    go_live = (
        PhaseTransition.objects.filter(project=project, to_phase=Phase.DEPLOYMENT)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    if go_live is None:
        return
    metric = SuccessMetric.objects.filter(charter__project=project).first()
    benefit = benefits.benefit_add(
        actor=project.owner, project=project, name="Monthly value from the model", success_metric=metric, unit="EUR"
    )
    monthly = Decimal(rng.randrange(20, 90) * 1000)
    realization = rng.uniform(0.55, 1.1)
    for month in _months(go_live.date() + datetime.timedelta(days=31), story_end)[1:]:
        period_end = month - datetime.timedelta(days=1)
        realized = (monthly * Decimal(str(round(realization * rng.uniform(0.85, 1.1), 3)))).quantize(Decimal("1"))
        benefits.benefit_measurement_record(
            actor=project.owner, benefit=benefit, period_end=period_end, planned=monthly, realized=realized
        )


WEEKS_BACK, WEEKS_AHEAD = 6, 6


def demo_weeks(today: datetime.date) -> list[datetime.date]:
    this_week = _monday(today)
    return [this_week + datetime.timedelta(weeks=offset) for offset in range(-WEEKS_BACK, WEEKS_AHEAD + 1)]


def capacity_seed(
    actor: AbstractBaseUser, people: list[AbstractBaseUser], rng: random.Random, today: datetime.date
) -> None:
    """A 40-hour week for everyone, with the odd day of leave."""
    for week in demo_weeks(today):
        for person in people:
            leave = 8 if rng.random() < 0.1 else 0
            inputs.capacity_set(actor=actor, person=person, week=week, working_hours=40, leave_hours=leave)


def people_time_seed(
    project: Project,
    people: list[AbstractBaseUser],
    rng: random.Random,
    today: datetime.date,
    day_totals: dict[tuple[int, datetime.date], float],
) -> None:
    """Allocations over the demo weeks (people on several projects end up over capacity) and the time they
    logged each working day; ``day_totals`` keeps anyone's logged day within a plausible 10 hours."""
    if project.state != ProjectState.ACTIVE or project.start_date is None:
        return
    this_week = _monday(today)
    for week in demo_weeks(today):
        for person in people:
            hours = rng.choice((8, 12, 16, 20, 24))
            inputs.allocation_set(actor=project.owner, person=person, project=project, week=week, hours=hours)
            if week >= this_week:
                continue
            per_day = max(0.5, round((hours + rng.randint(-4, 6)) / 5 * 2) / 2)
            for weekday in range(5):
                day = week + datetime.timedelta(days=weekday)
                if day_totals.get((person.pk, day), 0) + per_day > 10:
                    continue
                day_totals[(person.pk, day)] = day_totals.get((person.pk, day), 0) + per_day
                inputs.time_entry_add(actor=person, person=person, project=project, day=day, hours=per_day)
