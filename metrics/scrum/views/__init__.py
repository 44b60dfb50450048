"""Scrum pages: teams, sprints, work items, retrospective actions and mood votes (the dashboard is in
``metrics.dashboards``)."""

from metrics.scrum.views.items import item_create, item_edit, item_list
from metrics.scrum.views.retro import mood_vote, retro_action_add, retro_action_close
from metrics.scrum.views.sprints import sprint_close, sprint_create, sprint_reopen, sprint_start
from metrics.scrum.views.teams import team_create, team_list

__all__ = [
    "item_create",
    "item_edit",
    "item_list",
    "mood_vote",
    "retro_action_add",
    "retro_action_close",
    "sprint_close",
    "sprint_create",
    "sprint_reopen",
    "sprint_start",
    "team_create",
    "team_list",
]
