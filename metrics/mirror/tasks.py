"""Celery tasks of the MLflow mirror: thin wrappers taking ids; the work lives in ``metrics.mirror.services``.

Delivery and retries (see PITFALLS "Celery with Redis"):
- Every sync is idempotent (upserts keyed by MLflow ids; the watermark moves only after all pages are
  stored), so `acks_late=True`: a message whose worker vanished before finishing is delivered again
  rather than lost.
- `reject_on_worker_lost=False` on purpose: with it, a child killed by the OOM killer or SIGKILL is
  re-queued, and a sync that always dies that way (an enormous metric history, say) would loop forever.
  Without it such a message is acknowledged and dropped; beat enqueues the link again at its next tick,
  which bounds the redeliveries to one per schedule period.
- Only `MlflowUnavailable` is retried, with exponential backoff and jitter and a bounded count; a bad
  link (not found, rejected, access denied) fails at once with the error recorded on the link.
- Time limits: the soft limit stays above one MLflow request's worst case (`HttpPolicy.worst_case_seconds`,
  about 6 minutes with the default policy) and the hard limit below the Redis visibility timeout (2 h).
  Retry countdowns are at most `retry_backoff_max`, far below the visibility timeout.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import shared_task
from celery.exceptions import Retry
from django.db import transaction

from metrics.mirror.models import ExperimentLink, RegisteredModelLink
from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync
from metrics.mlflow import MlflowError, MlflowUnavailable

logger = logging.getLogger(__name__)

SYNC_SOFT_TIME_LIMIT_S = 25 * 60
SYNC_TIME_LIMIT_S = 27 * 60
SYNC_MAX_RETRIES = 5

_SYNC_OPTIONS: dict[str, Any] = {
    "autoretry_for": (MlflowUnavailable,),
    "retry_backoff": 30,  # 30 s, 60 s, 120 s... with jitter
    "retry_backoff_max": 10 * 60,
    "retry_jitter": True,
    "max_retries": SYNC_MAX_RETRIES,
    "acks_late": True,
    "reject_on_worker_lost": False,
    "soft_time_limit": SYNC_SOFT_TIME_LIMIT_S,
    "time_limit": SYNC_TIME_LIMIT_S,
    "ignore_result": True,
}


@shared_task(name="metrics.experiment_link_sync", **_SYNC_OPTIONS)
def experiment_link_sync_task(link_id: int) -> str:
    if not ExperimentLink.objects.filter(pk=link_id).exists():
        return f"experiment link {link_id} no longer exists"  # unlinked after the message was sent
    return experiment_link_sync(link_id).summary()


@shared_task(name="metrics.registered_model_link_sync", **_SYNC_OPTIONS)
def registered_model_link_sync_task(link_id: int) -> str:
    if not RegisteredModelLink.objects.filter(pk=link_id).exists():
        return f"model link {link_id} no longer exists"
    return registered_model_link_sync(link_id).summary()


@shared_task(name="metrics.sync_all_links", soft_time_limit=60, time_limit=90, ignore_result=True)
def sync_all_links() -> int:
    """Fan out one independent sync task per link (no chord: each task writes its own rows and status)."""
    count = 0
    for task, model in (
        (experiment_link_sync_task, ExperimentLink),
        (registered_model_link_sync_task, RegisteredModelLink),
    ):
        for link_id in model.objects.order_by("pk").values_list("pk", flat=True):
            transaction.on_commit(partial(_enqueue, task, link_id))
            count += 1
    return count


def enqueue_link_sync(link: ExperimentLink | RegisteredModelLink) -> None:
    """Send the sync task of one link ("sync now"); call it from `transaction.on_commit`. In-process (no
    broker) a transient failure is recorded on the link instead of failing the caller's request."""
    task = experiment_link_sync_task if isinstance(link, ExperimentLink) else registered_model_link_sync_task
    _enqueue(task, link.pk)


def _enqueue(task: Any, link_id: int) -> None:
    try:
        task.delay(link_id)
    except (MlflowError, Retry) as exc:
        # Only reachable when tasks run in-process (no broker, the demo), where a transient failure reaches
        # the caller as Celery's `Retry`: one failing link must not stop the others, and its error is
        # already recorded on the link.
        logger.warning("MLflow sync of link %s failed: %s", link_id, exc)
