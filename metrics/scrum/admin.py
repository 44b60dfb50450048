"""Admin for the scrum models: read-only. Every write goes through ``metrics.scrum.services.sprints`` (permissions,
change log, audit); an admin edit would bypass the change log and make the charts lie."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from metrics.scrum.models import MoodVote, RetroAction, Sprint, SprintReopening, Team, WorkItem, WorkItemChange
from portal.admin import ReadOnlyAdmin


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "portfolio", "project")
    list_filter = ("portfolio",)
    search_fields = ("name",)


class SprintReopeningInline(admin.TabularInline):
    model = SprintReopening
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Sprint)
class SprintAdmin(ReadOnlyAdmin):
    list_display = ("name", "team", "state", "planned_start", "planned_end", "started_at", "completed_at")
    list_filter = ("state", "team")
    search_fields = ("name", "team__name")
    inlines = [SprintReopeningInline]


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyAdmin):
    list_display = ("key", "title", "team", "item_type", "points", "state_group", "sprint")
    list_filter = ("item_type", "state_group", "team")
    search_fields = ("key", "title")
    list_select_related = ("team", "sprint")


@admin.register(WorkItemChange)
class WorkItemChangeAdmin(ReadOnlyAdmin):
    list_display = ("item", "at", "sprint", "state_group", "points", "item_type", "changed", "actor")
    list_filter = ("state_group", "item_type")
    search_fields = ("item__key",)
    list_select_related = ("item", "sprint", "actor")


@admin.register(RetroAction)
class RetroActionAdmin(ReadOnlyAdmin):
    list_display = ("text", "sprint", "owner", "raised_at", "closed_at")
    list_select_related = ("sprint", "owner")


@admin.register(MoodVote)
class MoodVoteAdmin(ReadOnlyAdmin):
    list_display = ("sprint", "person", "score", "voted_at")
    list_select_related = ("sprint", "person")
