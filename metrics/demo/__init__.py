"""Demo inputs of the metrics engine for `manage.py seed_demo`: costs, status history, risks, issues,
benefits, allocations, scrum teams with their sprints, and product usage of the deployed models.

Everything goes through the same audited services as the portal's forms, dated in the past so the
dashboards have history. Deterministic (seeded per project) and idempotent (a project that already has
status reports, a team or a product that exists, is left alone). Never used in production.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from lifecycle.demo.projects import PROJECTS
from lifecycle.models import Project
from metrics.demo.portfolio_data import capacity_seed, people_time_seed, project_inputs_seed
from metrics.demo.product_data import product_seed
from metrics.demo.scrum_data import team_seed
from portfolio.choices import Role

# project code -> (team name, work item key prefix); products for the models in production.
TEAMS = {
    "AML-102": ("Churn squad", "CHURN"),
    "AML-103": ("Pricing squad", "PRICE"),
    "DI-201": ("Forecast squad", "FCST"),
    "AIP-302": ("Serving platform", "SERVE"),
}
PRODUCTS = {
    "AML-102": "Retention offers in the CRM",
    "DI-201": "Store replenishment planner",
    "AIP-302": "Model serving gateway",
    "AIR-407": "Claims triage assistant",
}

People = Callable[[str, str], list[AbstractBaseUser]]


def metrics_demo_seed(people: People, today: datetime.date, seed: str) -> dict[str, int]:
    """Seed the metrics inputs of every demo project; ``people(portfolio_slug, role)`` names who does what.

    Each project, team and product is written in its own transaction. Returns what was added.
    """
    added = {"projects": 0, "teams": 0, "products": 0}
    # The demo's own projects only: one a user added since is theirs, and seeding again leaves it alone.
    demo_codes = [spec.code for spec in PROJECTS]
    projects = list(
        Project.objects.filter(code__in=demo_codes).select_related("portfolio", "owner", "sponsor").order_by("code")
    )
    turn: dict[str, int] = {}
    day_totals: dict[tuple[int, datetime.date], float] = {}
    for project in projects:
        rng = random.Random(f"{seed}:metrics:{project.code}")
        pool = _staff_pool(people, project.portfolio.slug)
        # Two people per project, taking turns through the portfolio's staff: most carry two or three projects.
        first = turn.get(project.portfolio.slug, 0)
        turn[project.portfolio.slug] = first + 2
        staff = [pool[(first + k) % len(pool)] for k in range(2)]
        with transaction.atomic():
            if project_inputs_seed(project, rng, today):
                people_time_seed(project, staff, rng, today, day_totals)
                added["projects"] += 1
        if project.code in TEAMS:
            name, prefix = TEAMS[project.code]
            members = list({p.pk: p for p in [*people(project.portfolio.slug, Role.DATA_SCIENTIST), *pool]}.values())
            with transaction.atomic():
                added["teams"] += team_seed(project, name, prefix, members[:5], rng, today) is not None
        if project.code in PRODUCTS:
            with transaction.atomic():
                added["products"] += product_seed(project, PRODUCTS[project.code], rng, today) is not None
    if added["projects"]:
        with transaction.atomic():
            everyone = {p.pk: p for project in projects for p in _staff_pool(people, project.portfolio.slug)}
            admin = get_user_model().objects.get(username="admin")  # capacity is set by people managers
            capacity_seed(admin, list(everyone.values()), random.Random(f"{seed}:capacity"), today)
    return added


def _staff_pool(people: People, slug: str) -> list[AbstractBaseUser]:
    """The portfolio's own specialists (the everywhere-logins would be on every project at once)."""
    roles = (Role.DATA_SCIENTIST, Role.ENGINEER, Role.TECH_LEAD, Role.INFRASTRUCTURE_ENGINEER, Role.ANALYST)
    everywhere = {"exec", "pm", "ds"}
    pool = [person for role in roles for person in people(slug, role) if person.get_username() not in everywhere]
    return list({person.pk: person for person in pool}.values())


__all__ = ["PRODUCTS", "TEAMS", "metrics_demo_seed"]
