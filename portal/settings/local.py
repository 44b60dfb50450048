"""Developer and demo settings: SQLite under var/, tasks in-process unless REDIS_URL is set."""

from portal.settings.base import *  # noqa: F403
from portal.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
