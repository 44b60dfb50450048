from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal shell"

    def ready(self) -> None:
        # A password change, a deactivation or a sign-in token revoke / name API tokens on every path that saves.
        from portal.tokens import receivers

        receivers.connect()
