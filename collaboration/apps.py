from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "collaboration"
    verbose_name = "Collaboration"

    def ready(self) -> None:
        self.install_hooks()

    def install_hooks(self) -> None:
        """The lower layers call these hooks; what they do lives up here (see ``portal.hooks``)."""
        from collaboration.events.services import events_from_audit
        from lifecycle import hooks as lifecycle_hooks

        # Every audited change that is an event writes it in the change's transaction (the outbox).
        lifecycle_hooks.audit_recorded.install(events_from_audit)
