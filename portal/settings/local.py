"""Developer and demo settings: SQLite under var/, tasks in-process unless REDIS_URL is set."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The demo's webhook receiver listens on 127.0.0.1 (`manage.py webhook_receiver`).
STAGEGATE_WEBHOOK_ALLOW_PRIVATE = env.bool("STAGEGATE_WEBHOOK_ALLOW_PRIVATE", default=True)
