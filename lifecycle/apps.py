from functools import partial

from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = "Lifecycle"

    def ready(self) -> None:
        # The audit trail lives here; portal's token services write to it through their hook (portal.hooks).
        from lifecycle.services.audit import audit_write
        from portal.tokens.hooks import token_audit

        token_audit.install(partial(audit_write, project=None))
