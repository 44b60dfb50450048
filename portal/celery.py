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
app.conf.beat_schedule = {}
