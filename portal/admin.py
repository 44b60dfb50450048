from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from portal.models import User

admin.site.register(User, UserAdmin)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only services write (with their audit record or change log) or a sync mirrors:
    the admin shows them and never edits them, not even for superusers."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
