"""Load the demo organization and projects: `python manage.py seed_demo` (run by `make demo`).

Idempotent: people, portfolios and memberships are found or created; a project whose code exists
is left as it is, so running again keeps the data and adds nothing twice. Each project is built in
its own transaction by the real services (every change audited). Deterministic: one seeded random
generator per project, dates relative to today. Demo passwords are printed: never in production.
"""

import datetime
import io
import os
import random
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from lifecycle.demo.organization import DEMO_PASSWORD, EVERYWHERE, TEAMS, Organization, organization_seed
from lifecycle.demo.projects import PROJECTS
from lifecycle.demo.story import ProjectStory
from lifecycle.models import Project
from metrics.demo import metrics_demo_seed
from metrics.snapshots.requests import compute_deferred
from portfolio.choices import Role

PRODUCTION_SETTINGS = "portal.settings.production"
SEED = "stagegate-demo"


def running_in_production() -> bool:
    # Both: --settings sets the environment variable, and override_settings hides SETTINGS_MODULE.
    modules = {os.environ.get("DJANGO_SETTINGS_MODULE", ""), getattr(settings, "SETTINGS_MODULE", None) or ""}
    return PRODUCTION_SETTINGS in modules


class Command(BaseCommand):
    help = "Seed realistic demo data (portfolios, people, 28 projects with their history). Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--mlflow-uri",
            default="",
            help="A local MLflow server to fill with real scikit-learn runs and link to the demo projects "
            "(make demo starts one; needs the dev dependencies).",
        )

    def handle(self, *args, mlflow_uri: str = "", **options) -> None:
        if running_in_production():
            raise CommandError("seed_demo creates users with a known password; it refuses to run in production.")
        started = time.monotonic()
        # One full computation of the dashboards' snapshots at the end, not one per seeded transaction.
        with compute_deferred():
            with transaction.atomic():
                org = organization_seed()
            today = timezone.localdate()
            created, existing = self._seed_projects(org, today)
            added = metrics_demo_seed(org.team, today, SEED)
            mlflow = self._seed_mlflow(mlflow_uri)
        call_command("compute_metrics", stdout=io.StringIO())
        # The top layer's part (notifications, inbox), by name: metrics does not import collaboration.
        call_command("seed_collaboration_demo", stdout=self.stdout)
        self.stdout.write(
            f"Demo data: {created} project(s) created, {existing} already there; metrics inputs for "
            f"{added['projects']} project(s), {added['teams']} team(s), {added['products']} product(s); "
            f"snapshots computed ({time.monotonic() - started:.1f} s)."
        )
        if mlflow:
            self.stdout.write(
                f"MLflow: {mlflow['runs_logged']} training run(s) logged, {mlflow['links']} link(s), "
                f"{mlflow['runs_synced']} run(s) synced, {mlflow['evidence']} evidence row(s), "
                f"{mlflow['alerts']} production alert(s)."
            )
        self._print_users()

    def _seed_projects(self, org: Organization, today: datetime.date) -> tuple[int, int]:
        """Each demo project walked through its story, in its own transaction; returns (created, existing)."""
        existing = set(Project.objects.filter(code__in=[spec.code for spec in PROJECTS]).values_list("code", flat=True))
        created = 0
        for spec in PROJECTS:
            if spec.code in existing:
                continue
            with transaction.atomic():
                ProjectStory(spec, org, random.Random(f"{SEED}:{spec.code}"), today).run()
            created += 1
        return created, len(existing)

    def _seed_mlflow(self, mlflow_uri: str) -> dict | None:
        if not mlflow_uri:
            return None
        from metrics.demo.mlflow_story import mlflow_demo_seed  # trains models: dev dependencies only

        return mlflow_demo_seed(mlflow_uri, SEED)

    def _print_users(self) -> None:
        labels = dict(Role.choices)
        lines = [
            "",
            f'Demo users (password "{DEMO_PASSWORD}", demo only):',
            "  admin   superuser (Django admin at /admin/)",
        ]
        lines += [
            f"  {username:<7} {labels[role].lower()} in all four portfolios" for username, role in EVERYWHERE.items()
        ]
        others: dict[str, set[str]] = {}
        for team in TEAMS.values():
            for role, usernames in team.items():
                for username in usernames:
                    others.setdefault(username, set()).add(labels[role].lower())
        lines.append(
            "  Also, same password: "
            + ", ".join(f"{username} ({', '.join(sorted(roles))})" for username, roles in sorted(others.items()))
        )
        self.stdout.write("\n".join(lines))
