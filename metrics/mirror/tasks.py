"""Celery tasks of the metrics app: thin wrappers taking ids, the work lives in `metrics.services`.

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

import datetime
import logging
from functools import partial
from typing import Any

from celery import shared_task
from celery.exceptions import Retry
from django.db import transaction

from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync
from metrics.mlflow import MlflowError, MlflowUnavailable
from metrics.models import ExperimentLink, RegisteredModelLink

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


@shared_task(name="metrics.deployed_model_evaluate", soft_time_limit=60, time_limit=90, ignore_result=True)
def deployed_model_evaluate_task(model_id: int) -> int:
    """Check a deployed model's thresholds against the mirror (the sync does it too; this is for a manual or
    scheduled re-check). Database only, idempotent: an open alert per threshold is never duplicated."""
    from metrics.deployments.services.alerts import deployed_model_evaluate
    from metrics.models import DeployedModel

    if not DeployedModel.objects.filter(pk=model_id).exists():
        return 0
    return len(deployed_model_evaluate(model_id))


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


# --- metric snapshots -------------------------------------------------------------------------------------------
# Computation is idempotent (upserts keyed by metric, scope and period; frozen rows untouched), so acks_late is
# safe and a redelivered message rewrites the same snapshots. Same reject_on_worker_lost reasoning as above.
COMPUTE_DELAY_S = 5  # edits within this window after the first are computed by the same run

_COMPUTE_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": False,
    "soft_time_limit": 10 * 60,
    "time_limit": 11 * 60,
    "ignore_result": True,
}


@shared_task(name="metrics.compute_scope", **_COMPUTE_OPTIONS)
def compute_scope_task(scope_type: str, scope_id: int) -> int:
    from metrics.snapshots.services import scope_recompute

    return scope_recompute(scope_type, scope_id)


# The reconciler picks up requests whose task never ran: older than this, the on-commit enqueue has failed
# (broker down) or the message was lost; younger ones still have their task on the way (COMPUTE_DELAY_S).
PENDING_GRACE = datetime.timedelta(minutes=1)
PENDING_BATCH = 500  # scopes per run, so one run ends well inside its time limit; the rest wait a minute


@shared_task(name="metrics.compute_pending", soft_time_limit=5 * 60, time_limit=6 * 60, ignore_result=True)
def compute_pending() -> str:
    from metrics.snapshots.services import pending_scopes_compute

    run = pending_scopes_compute(older_than=PENDING_GRACE, limit=PENDING_BATCH)
    return f"{run.computed} computed, {run.failed} failed, {run.left} still pending"


@shared_task(name="metrics.compute_all", soft_time_limit=5 * 60, time_limit=6 * 60, ignore_result=True)
def compute_all() -> int:
    """Fan out one independent compute task per scope of every type that has a computer (no chord: each task
    writes its own rows, and a lost one is redone at the next hourly run)."""
    from metrics.snapshots.services import computed_scope_types, scope_ids

    scopes = [(scope_type, scope_id) for scope_type in computed_scope_types() for scope_id in scope_ids(scope_type)]
    transaction.on_commit(partial(_enqueue_scopes, scopes))
    return len(scopes)


def _enqueue_scopes(scopes: list[tuple[str, int]]) -> None:
    for scope_type, scope_id in scopes:
        compute_scope_task.delay(scope_type, scope_id)
