"""FilterSets of the portfolio inputs, shared by the API and the pages."""

import django_filters

from lifecycle.choices import RAG
from metrics.portfolio_inputs.choices import CostCategory, IssueSeverity, RiskState
from metrics.portfolio_inputs.models import (
    Allocation,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Issue,
    Risk,
    StatusReport,
    TimeEntry,
)
from portal.filters import date_range, id_filter, open_filter


class BudgetPeriodFilterSet(django_filters.FilterSet):
    period_start_from, period_start_to = date_range("period_start")

    class Meta:
        model = BudgetPeriod
        fields: list[str] = []


class CostEntryFilterSet(django_filters.FilterSet):
    day_from, day_to = date_range("day")
    category = django_filters.ChoiceFilter(choices=CostCategory.choices)

    class Meta:
        model = CostEntry
        fields = ["category"]


class AllocationFilterSet(django_filters.FilterSet):
    person = id_filter("person_id", "User id")
    week_from, week_to = date_range("week")

    class Meta:
        model = Allocation
        fields: list[str] = []


class TimeEntryFilterSet(django_filters.FilterSet):
    person = id_filter("person_id", "User id")
    day_from, day_to = date_range("day")

    class Meta:
        model = TimeEntry
        fields: list[str] = []


class CapacityFilterSet(django_filters.FilterSet):
    person = id_filter("person_id", "User id")
    week_from, week_to = date_range("week")

    class Meta:
        model = Capacity
        fields: list[str] = []


class StatusReportFilterSet(django_filters.FilterSet):
    as_of_from, as_of_to = date_range("as_of")
    overall_rag = django_filters.ChoiceFilter(choices=RAG.choices)

    class Meta:
        model = StatusReport
        fields = ["overall_rag"]


class RiskFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=RiskState.choices)
    owner = id_filter("owner_id", "User id")

    class Meta:
        model = Risk
        fields = ["state"]


class IssueFilterSet(django_filters.FilterSet):
    severity = django_filters.ChoiceFilter(choices=IssueSeverity.choices)
    open = open_filter("closed_on")
    owner = id_filter("owner_id", "User id")

    class Meta:
        model = Issue
        fields = ["severity"]
