"""FilterSet of the metric snapshots API."""

import django_filters

from metrics.snapshots.choices import ScopeType
from metrics.snapshots.models import MetricSnapshot
from portal.filters import YesNoFilter, id_filter


class MetricSnapshotFilterSet(django_filters.FilterSet):
    metric = django_filters.CharFilter(max_length=64, help_text="Registry key, e.g. cpi (see /api/v1/metrics/).")
    scope_type = django_filters.ChoiceFilter(choices=ScopeType.choices)
    scope_id = id_filter("scope_id", "Id of the scope object")
    period = django_filters.CharFilter(max_length=32, help_text="Exact period label; empty = as of now.")
    period_from = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label="Periods starting on or after"
    )
    period_to = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label="Periods ending on or before"
    )
    project = id_filter("project_id", "Project id")
    portfolio = id_filter("portfolio_id", "Portfolio id")
    frozen = YesNoFilter()

    class Meta:
        model = MetricSnapshot
        fields = ["scope_type", "frozen"]
