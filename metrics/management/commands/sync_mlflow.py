"""`manage.py sync_mlflow [--project CODE]`: sync MLflow links now, in this process, and say what happened.

Runs the same services as the Celery tasks, without retries: an operator sees each link's outcome at once
(the error is recorded on the link as well). Exits non-zero when any link failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.mirror.models import ExperimentLink, RegisteredModelLink
from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync


class Command(BaseCommand):
    help = "Sync the MLflow experiments and registered models linked to projects (all, or one project's)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", metavar="CODE", help="Only the links of the project with this code.")

    def handle(self, *args: Any, **options: Any) -> None:
        from metrics.mlflow import MlflowError

        experiments = ExperimentLink.objects.select_related("project", "server").order_by("project__code", "pk")
        models = RegisteredModelLink.objects.select_related("project", "server").order_by("project__code", "pk")
        if code := options.get("project"):
            experiments, models = experiments.filter(project__code=code), models.filter(project__code=code)
            if not experiments.exists() and not models.exists():
                raise CommandError(f"No MLflow links for project {code!r}.")
        jobs = [
            *((f"{link.project.code} experiment {link.name!r} ({link.experiment_id}) on {link.server.name}",
               experiment_link_sync, link.pk) for link in experiments),
            *((f"{link.project.code} model {link.model_name!r} on {link.server.name}",
               registered_model_link_sync, link.pk) for link in models),
        ]  # fmt: skip
        failed = 0
        for label, sync, link_id in jobs:
            try:
                report = sync(link_id)
            except MlflowError as exc:
                failed += 1
                self.stderr.write(self.style.ERROR(f"{label}: FAILED: {exc.message}"))
                continue
            self.stdout.write(f"{label}: {report.summary()}")
        self.stdout.write(f"{len(jobs) - failed} of {len(jobs)} link(s) synced.")
        if failed:
            raise CommandError(f"{failed} link(s) failed; the error is recorded on each link.")
