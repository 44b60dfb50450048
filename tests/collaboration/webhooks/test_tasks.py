"""The tasks a real worker knows: every task of the beat schedule is registered once the worker has imported the
apps' ``tasks`` modules (Celery's autodiscovery; collaboration/tasks.py gathers its areas' tasks)."""

from portal.celery import app


def test_every_beat_task_is_registered_in_a_worker():
    app.loader.import_default_modules()  # what `celery worker` does at start-up

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "collaboration.webhook_deliveries_send_due" in scheduled
    assert sorted(scheduled - set(app.tasks)) == []
    assert {"collaboration.webhook_deliver", "collaboration.event_dispatch"} <= set(app.tasks)
