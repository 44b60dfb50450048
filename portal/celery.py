"""The Celery application and the one beat schedule of the project.

Without REDIS_URL the settings make every task run eagerly in-process (demo and unit tests).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

app = Celery("stagegate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Exactly one beat process runs this schedule (docker-compose `beat` service); it lives here and nowhere else.
# Every entry expires before its next tick, so a backlog after an outage does not stack duplicate runs.
app.conf.beat_schedule = {
    # Pull every MLflow experiment and model link: one independent, idempotent task per link (no chord).
    "metrics-sync-all-mlflow-links": {
        "task": "metrics.sync_all_links",
        "schedule": 15 * 60,
        "options": {"expires": 14 * 60},
    },
    # Snapshots are computed on change (coalesced, enqueued on commit); this computes the changes whose task
    # never ran (broker down at commit, lost message).
    "metrics-compute-pending-snapshots": {
        "task": "metrics.compute_pending",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Metrics that move with time alone (overdue, days in phase, rolling windows) and anything missed: every
    # scope once an hour, one independent task each.
    "metrics-compute-all-snapshots": {
        "task": "metrics.compute_all",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
}
