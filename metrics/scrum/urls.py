"""Pages of the metrics app: scrum (teams, sprints, work items, retrospectives, mood; the project's delivery)."""

from django.urls import path

from metrics.scrum import views as scrum

urlpatterns = [
    path("teams/", scrum.team_list, name="team-list"),
    path("teams/new/", scrum.team_create, name="team-create"),
    path("teams/<int:pk>/sprints/new/", scrum.sprint_create, name="team-sprint-create"),
    path("teams/<int:pk>/sprints/<int:sprint_pk>/start/", scrum.sprint_start, name="team-sprint-start"),
    path("teams/<int:pk>/sprints/<int:sprint_pk>/close/", scrum.sprint_close, name="team-sprint-close"),
    path("teams/<int:pk>/sprints/<int:sprint_pk>/reopen/", scrum.sprint_reopen, name="team-sprint-reopen"),
    path("teams/<int:pk>/items/", scrum.item_list, name="team-items"),
    path("teams/<int:pk>/items/new/", scrum.item_create, name="team-item-create"),
    path("teams/<int:pk>/items/<int:item_pk>/edit/", scrum.item_edit, name="team-item-edit"),
    path("teams/<int:pk>/retro/new/", scrum.retro_action_add, name="team-retro-add"),
    path("teams/<int:pk>/retro/<int:action_pk>/close/", scrum.retro_action_close, name="team-retro-close"),
    path("teams/<int:pk>/mood/", scrum.mood_vote, name="team-mood-vote"),
]
