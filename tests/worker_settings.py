"""Settings of the real `celery worker` processes the fault tests start: the test settings, with Redis giving an
unacknowledged message back to the queue after ``STAGEGATE_TEST_VISIBILITY_TIMEOUT`` seconds (when set) and
workers looking for such messages every second, so that the task of a killed worker is taken up by the next
worker within a test's time instead of after the production timeout (hours)."""

import os

from portal.settings.test import *  # noqa: F403

_visibility_timeout = os.environ.get("STAGEGATE_TEST_VISIBILITY_TIMEOUT")
if _visibility_timeout:
    CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "visibility_timeout": float(_visibility_timeout),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
