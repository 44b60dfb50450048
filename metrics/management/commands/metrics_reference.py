"""`manage.py metrics_reference`: print the metric reference (Markdown) from the registry; `docs/metrics.md`."""

from typing import Any

from django.core.management.base import BaseCommand

from metrics.formulas.reference import metrics_reference_markdown
from portal.formats import currency


class Command(BaseCommand):
    help = "Print every metric's definition from the registry as Markdown (docs/metrics.md is its output)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(metrics_reference_markdown(currency()), ending="")
