"""Celery finds an app's tasks in its ``tasks`` module; the metrics areas keep theirs in their own packages."""

from metrics.mirror import tasks as mirror_tasks  # noqa: F401
from metrics.snapshots import tasks as snapshot_tasks  # noqa: F401
