"""FilterSets of deployed models and their alerts."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from metrics.deployments.choices import AlertSeverity, AlertState
from metrics.deployments.models import DeployedModel, ModelAlert
from portal.filters import YesNoFilter, id_filter


class DeployedModelFilterSet(django_filters.FilterSet):
    project = id_filter("project_id", "Project id")
    is_active = YesNoFilter()

    class Meta:
        model = DeployedModel
        fields = ["project", "is_active"]


class ModelAlertFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlertState.choices)
    severity = django_filters.ChoiceFilter(choices=AlertSeverity.choices)
    project = id_filter("deployed_model__project_id", "Project id")
    deployed_model = id_filter("deployed_model_id", "Deployed model id")
    owner = id_filter("owner_id", "Owner id")
    unresolved = YesNoFilter(method="filter_unresolved", label="Open or acknowledged only")

    class Meta:
        model = ModelAlert
        fields = ["state", "severity", "project", "deployed_model", "owner"]

    def filter_unresolved(self, queryset: QuerySet[ModelAlert], name: str, value: bool | None) -> QuerySet[ModelAlert]:
        if value is None:
            return queryset
        resolved = queryset.filter(state=AlertState.RESOLVED)
        return queryset.exclude(pk__in=resolved.values("pk")) if value else resolved
