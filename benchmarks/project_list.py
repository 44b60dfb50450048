"""Project list at scale: server time of the list page and the API at 500 and 5,000 projects.

Run: `make bench` (or `.venv/bin/python benchmarks/project_list.py`). Needs PostgreSQL
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/stagegate_bench).

Prints, per size, the median server time of: the first page of /projects/, a filtered and searched
page, /api/v1/projects/, and /healthz as the trivial baseline; then the 5,000 / 500 ratios.
Goal: the list stays flat as the portfolio grows (ratio close to 1; it pages, counts and filters
in the database).
"""

import datetime
import random

from _setup import median_seconds, setup_django

SIZES = (500, 5000)
PORTFOLIOS = ("Applied Machine Learning", "Demand Intelligence", "AI Platform", "AI Research")


def build_organization():
    from lifecycle.choices import Phase, ProjectState, RiskTier
    from portal.models import User
    from portfolio.choices import Role
    from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal

    portfolios = [Portfolio.objects.create(name=name, slug=f"p{i}") for i, name in enumerate(PORTFOLIOS)]
    units = [BusinessUnit.objects.create(name=f"Unit {i}") for i in range(6)]
    goals = [StrategicGoal.objects.create(name=f"Goal {i}") for i in range(5)]
    pm = User.objects.create_user("pm", password="bench")
    executive = User.objects.create_user("exec", password="bench")
    for portfolio in portfolios:
        Membership.objects.create(user=pm, portfolio=portfolio, role=Role.PROJECT_MANAGER)
        Membership.objects.create(user=executive, portfolio=portfolio, role=Role.EXECUTIVE_LEADER)
    return {
        "portfolios": portfolios,
        "units": units,
        "goals": goals,
        "pm": pm,
        "exec": executive,
        "phases": Phase.values,
        "states": ProjectState.values,
        "tiers": RiskTier.values,
    }


def add_projects(org, start: int, count: int, rng: random.Random) -> None:
    """Project rows in bulk: the list reads projects, not their charters or checklists."""
    from lifecycle.models import Project

    Project.objects.bulk_create(
        [
            Project(
                code=f"BEN-{number:05d}",
                name=f"{rng.choice(['Churn', 'Demand', 'Fraud', 'Pricing', 'Search'])} model {number}",
                portfolio=rng.choice(org["portfolios"]),
                business_unit=rng.choice(org["units"]),
                strategic_goal=rng.choice(org["goals"]),
                owner=org["pm"],
                sponsor=org["exec"],
                risk_tier=rng.choice(org["tiers"]),
                ideation_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=number % 300),
                phase=rng.choice(org["phases"]),
                state=rng.choice(org["states"]),
            )
            for number in range(start, start + count)
        ],
        batch_size=1000,
    )
    from django.db import connection

    with connection.cursor() as cursor:  # as autovacuum would after a bulk load: fresh planner statistics
        cursor.execute("ANALYZE")


def measure(client, token: str) -> dict[str, float]:
    def get(path: str, **headers) -> None:
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)

    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    return {
        "list page": median_seconds(lambda: get("/projects/")),
        "filtered page": median_seconds(lambda: get("/projects/?phase=modeling&state=active&q=model&page=2")),
        "API list": median_seconds(lambda: get("/api/v1/projects/", **auth)),
        "API filtered": median_seconds(lambda: get("/api/v1/projects/?phase=modeling&q=Churn", **auth)),
        "healthz": median_seconds(lambda: get("/healthz")),
    }


def main() -> None:
    setup_django()
    from django.test import Client
    from knox.models import AuthToken

    rng = random.Random(7)
    org = build_organization()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(org["pm"])
    _instance, token = AuthToken.objects.create(org["pm"])

    results: dict[int, dict[str, float]] = {}
    created = 0
    for size in SIZES:
        add_projects(org, created, size - created, rng)
        created = size
        results[size] = measure(client, token)

    small, large = results[SIZES[0]], results[SIZES[-1]]
    print(f"{'median server time (ms)':<24}" + "".join(f"{size:>12,}" for size in SIZES) + f"{'ratio':>10}")
    for name in small:
        row = "".join(f"{results[size][name] * 1000:>12.1f}" for size in SIZES)
        print(f"{name:<24}{row}{large[name] / small[name]:>10.2f}")


if __name__ == "__main__":
    main()
