"""`manage.py compute_metrics [--all | --scope-type TYPE [--id ID]]`: compute metric snapshots now, in this
process, and say how many scopes and rows and how long it took.

Runs the same service as the Celery task (``scope_recompute``: clear the pending request, compute, upsert),
so it is safe to run while workers run. A scope whose computation fails is reported and the others go on;
the command then exits non-zero.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from metrics.snapshots.registry import computed_scope_types, scope_ids
from metrics.snapshots.services import scope_recompute


class Command(BaseCommand):
    help = "Compute metric snapshots: every scope (default), every scope of one type, or one scope."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="Every scope of every type (the default).")
        parser.add_argument("--scope-type", help="Only this scope type (project, portfolio, team, product, person).")
        parser.add_argument("--id", type=int, dest="scope_id", help="Only this scope (needs --scope-type).")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = self._plan(options.get("scope_type"), options.get("scope_id"), everything=options["all"])
        started = time.perf_counter()
        scopes = rows = failed = 0
        for scope_type, ids in plan:
            type_scopes = type_rows = 0
            for scope_id in ids:
                try:
                    type_rows += scope_recompute(scope_type, scope_id)
                except Exception as exc:  # report it and go on with the other scopes
                    failed += 1
                    self.stderr.write(self.style.ERROR(f"{scope_type}:{scope_id}: FAILED: {exc!r}"))
                    continue
                type_scopes += 1
            self.stdout.write(f"{scope_type}: {type_scopes} scope(s), {type_rows} row(s) written")
            scopes, rows = scopes + type_scopes, rows + type_rows
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Computed {scopes} scope(s), {rows} row(s) in {elapsed:.2f} s.")
        if failed:
            raise CommandError(f"{failed} scope(s) failed.")

    def _plan(self, scope_type: str | None, scope_id: int | None, *, everything: bool) -> list[tuple[str, Any]]:
        known = computed_scope_types()
        if everything and (scope_type or scope_id is not None):
            raise CommandError("--all computes every scope; leave out --scope-type and --id.")
        if scope_id is not None and not scope_type:
            raise CommandError("--id needs --scope-type.")
        if scope_type is None:
            return [(name, scope_ids(name)) for name in known]
        if scope_type not in known:
            raise CommandError(f"No computer for scope type {scope_type!r}; known: {', '.join(known) or 'none'}.")
        return [(scope_type, [scope_id] if scope_id is not None else scope_ids(scope_type))]
