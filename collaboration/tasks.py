"""Celery finds an app's tasks in its ``tasks`` module; the collaboration areas keep theirs in their own packages."""

from collaboration.events import tasks as event_tasks  # noqa: F401
from collaboration.notifications import tasks as notification_tasks  # noqa: F401
from collaboration.webhooks import tasks as webhook_tasks  # noqa: F401
