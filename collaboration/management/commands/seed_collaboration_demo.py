"""The collaboration part of the demo; ``seed_demo`` (in metrics, a lower layer) calls it by name."""

from typing import Any

from django.core.management.base import BaseCommand

from collaboration.demo import notifications_demo_seed, webhooks_demo_seed


class Command(BaseCommand):
    help = "Due and overdue notices and notifications of the demo, and its webhook (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        notified = notifications_demo_seed()
        self.stdout.write(
            f"Notifications: {notified['notices']} due or overdue notice(s), {notified['dispatched']} event(s) "
            "dispatched."
        )
        self.stdout.write(webhooks_demo_seed())
