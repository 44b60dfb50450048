""" "Sync now": queue one sync of a link, unless one is already queued or running.

A module beside ``services`` and ``tasks`` (not inside ``services``): it enqueues the task, and the task calls the
services, so neither of those imports the other.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from metrics.mirror.choices import SyncStatus
from metrics.mirror.models import ExperimentLink, RegisteredModelLink
from metrics.mirror.tasks import enqueue_link_sync
from portal.exceptions import NotAllowed
from portfolio.access import can_link_mlflow

# A sync queued or running longer than this is presumed dead (lost message, killed worker): the task's hard
# time limit is 27 minutes, so a live one would have finished. "Sync now" may then queue it again.
SYNC_PRESUMED_DEAD_AFTER = timedelta(minutes=30)


SyncLink = ExperimentLink | RegisteredModelLink


def link_sync_busy(link: SyncLink) -> bool:
    """A sync of this link is queued or running (and not presumed dead)."""
    if link.sync_status == SyncStatus.IDLE or link.sync_started_at is None:
        return False
    return timezone.now() - link.sync_started_at < SYNC_PRESUMED_DEAD_AFTER


def link_sync_request(*, actor: Any, link: SyncLink) -> bool:
    """Queue a sync of the link now (enqueued when the transaction commits). Returns False when one is
    already queued or running: a second click does not stack a second sync."""
    model = type(link)
    with transaction.atomic():
        locked = model.objects.select_for_update(of=("self",)).select_related("project").get(pk=link.pk)
        if not can_link_mlflow(actor, locked.project):
            raise NotAllowed("Only the portfolio's project managers and data scientists link MLflow to a project.")
        if link_sync_busy(locked):
            return False
        model.objects.filter(pk=locked.pk).update(
            sync_status=SyncStatus.QUEUED, sync_started_at=timezone.now(), sync_progress=0
        )
        transaction.on_commit(partial(enqueue_link_sync, locked))
    return True
