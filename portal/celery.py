"""The Celery application and the one beat schedule of the project.

Without REDIS_URL the settings make every task run eagerly in-process (demo and unit tests).
"""

import os

from celery import Celery
from celery.schedules import crontab

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
    # Events are dispatched on commit; this dispatches those whose task never ran (broker down, lost message).
    "collaboration-dispatch-pending-events": {
        "task": "collaboration.events_dispatch_pending",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Webhook deliveries are sent on commit; this sends the retries whose backoff ended (30 s doubling, capped at
    # 1 h) and the deliveries whose task never ran or whose worker died mid-attempt (their lease ended).
    "collaboration-send-due-webhooks": {
        "task": "collaboration.webhook_deliveries_send_due",
        "schedule": 60,
        "options": {"expires": 55},
    },
    # Conditions and rework items falling due or overdue: each notice once per item (Event.once_key is unique).
    "collaboration-gate-action-notices": {
        "task": "collaboration.gate_action_notices",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    # Decided reviews whose frozen MLflow evidence no longer matches the mirror (synced every 15 minutes).
    "collaboration-evidence-changes": {
        "task": "collaboration.evidence_changes",
        "schedule": 60 * 60,
        "options": {"expires": 55 * 60},
    },
    # Emails whose task was lost or gave up after its retries.
    "collaboration-send-unsent-emails": {
        "task": "collaboration.emails_send_unsent",
        "schedule": 10 * 60,
        "options": {"expires": 9 * 60},
    },
    # The daily digest: one email per person with their digest notifications not sent yet (each carried once).
    "collaboration-daily-digests": {
        "task": "collaboration.digests_send",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 60 * 60},
    },
}
