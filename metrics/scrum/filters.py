"""FilterSets of the scrum inputs."""

import django_filters

from metrics.scrum.choices import ItemType, SprintState, StateGroup
from metrics.scrum.models import MoodVote, RetroAction, Sprint, Team, WorkItem
from portal.filters import id_filter, open_filter


class TeamFilterSet(django_filters.FilterSet):
    portfolio = id_filter("portfolio_id", "Portfolio id")
    project = id_filter("project_id", "Project id")

    class Meta:
        model = Team
        fields: list[str] = []


class SprintFilterSet(django_filters.FilterSet):
    team = id_filter("team_id", "Team id")
    project = id_filter("team__project_id", "Project id")
    state = django_filters.ChoiceFilter(choices=SprintState.choices)

    class Meta:
        model = Sprint
        fields = ["state"]


class WorkItemFilterSet(django_filters.FilterSet):
    team = id_filter("team_id", "Team id")
    sprint = id_filter("sprint_id", "Sprint id")
    item_type = django_filters.ChoiceFilter(choices=ItemType.choices)
    state_group = django_filters.ChoiceFilter(choices=StateGroup.choices)
    key = django_filters.CharFilter(max_length=40)

    class Meta:
        model = WorkItem
        fields = ["item_type", "state_group"]


class RetroActionFilterSet(django_filters.FilterSet):
    sprint = id_filter("sprint_id", "Sprint id")
    team = id_filter("sprint__team_id", "Team id")
    open = open_filter("closed_at")

    class Meta:
        model = RetroAction
        fields: list[str] = []


class MoodVoteFilterSet(django_filters.FilterSet):
    sprint = id_filter("sprint_id", "Sprint id")
    team = id_filter("sprint__team_id", "Team id")

    class Meta:
        model = MoodVote
        fields: list[str] = []
