"""Sending a Celery task after a commit, for work whose row a beat reconciler also finds (compute requests,
undispatched events, unsent emails): a broker that is down loses nothing, so the request that caused it succeeds."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)


def send_or_leave_to_beat(send: Callable[[], Any], what: str) -> None:
    """Call ``send`` (a task's ``delay`` or ``apply_async``); never raise.

    With a broker, only its outage can fail here: the row stays and beat picks it up. Without one (the demo runs
    tasks in-process) ``send`` runs the work itself, after the change was committed: a failure there must not
    turn the response into an error page, so it is logged as the bug it is and the reconciler tries again.
    """
    try:
        send()
    except KombuOperationalError:
        logger.warning("could not enqueue %s; beat will pick it up", what, exc_info=True)
    except Exception:
        logger.exception("%s failed", what)
