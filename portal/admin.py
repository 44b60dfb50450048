"""The admin's shared base for read-only rows, and the registrations of the libraries we use.

User accounts are registered in ``lifecycle/admin.py``, whose audited services save them.
"""

from django.contrib import admin
from django.contrib.auth.models import Group

from portal.login_guard import AdminSignInForm


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only services write (with their audit record or change log) or a sync mirrors:
    the admin shows them and never edits them, not even for superusers."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The admin's own sign-in page goes through the same defence and says why an attempt is refused (portal/login_guard.py).
admin.site.login_form = AdminSignInForm

# Access comes from portfolio roles and the staff / superuser flags: Django's groups are not used.
admin.site.unregister(Group)


def _read_only_registrations(app_label: str) -> None:
    """Keep a library's admin pages (their columns and filters) but make them read-only."""
    for model, model_admin in list(admin.site._registry.items()):
        if model._meta.app_label == app_label:
            admin_class = type(model_admin)
            admin.site.unregister(model)
            admin.site.register(model, type(f"ReadOnly{admin_class.__name__}", (ReadOnlyAdmin, admin_class), {}))


# knox's API tokens are issued by sign-in and end by sign-out or expiry; django-axes's sign-in records are written
# by the sign-in defence and a lockout ends by itself (or `manage.py axes_reset_username`): neither is edited here,
# where no audit record would be written.
_read_only_registrations("knox")
_read_only_registrations("axes")
