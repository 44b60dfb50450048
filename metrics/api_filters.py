"""FilterSets of the metrics API lists. Ids filter on the column (no lookup of the row, nothing leaked);
dates filter by an inclusive range named `<field>_from` / `<field>_to`."""

import django_filters

from lifecycle.api.serializers.common import MAX_ID
from lifecycle.choices import RAG
from metrics.choices import (
    CostCategory,
    IssueSeverity,
    ItemType,
    RiskState,
    ScopeType,
    SprintState,
    StateGroup,
    SurveyKind,
)
from metrics.models import (
    Allocation,
    BudgetPeriod,
    Capacity,
    CostEntry,
    Customer,
    Issue,
    MarketingSpend,
    MetricSnapshot,
    MoodVote,
    Order,
    Product,
    ProductEvent,
    RetroAction,
    Risk,
    Sprint,
    StatusReport,
    SurveyResponse,
    Team,
    TimeEntry,
    WorkItem,
)


def id_filter(field_name: str, label: str = "") -> django_filters.NumberFilter:
    return django_filters.NumberFilter(
        field_name=field_name, min_value=1, max_value=MAX_ID, decimal_places=0, label=label or None
    )


def date_range(field_name: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    return (
        django_filters.DateFilter(field_name=field_name, lookup_expr="gte", label=f"{field_name} on or after"),
        django_filters.DateFilter(field_name=field_name, lookup_expr="lte", label=f"{field_name} on or before"),
    )


def datetime_range(field_name: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """Day range on a date-time column (dates in the portal's time zone)."""
    return (
        django_filters.DateFilter(field_name=field_name, lookup_expr="date__gte", label=f"{field_name} on or after"),
        django_filters.DateFilter(field_name=field_name, lookup_expr="date__lte", label=f"{field_name} on or before"),
    )


def _open_filter(null_field: str) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(field_name=null_field, lookup_expr="isnull", label="Still open")


# --- portfolio inputs -----------------------------------------------------------------------------------------


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
    open = _open_filter("closed_on")
    owner = id_filter("owner_id", "User id")

    class Meta:
        model = Issue
        fields = ["severity"]


# --- scrum ----------------------------------------------------------------------------------------------------


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
    open = _open_filter("closed_at")

    class Meta:
        model = RetroAction
        fields: list[str] = []


class MoodVoteFilterSet(django_filters.FilterSet):
    sprint = id_filter("sprint_id", "Sprint id")
    team = id_filter("sprint__team_id", "Team id")

    class Meta:
        model = MoodVote
        fields: list[str] = []


# --- product --------------------------------------------------------------------------------------------------


class ProductFilterSet(django_filters.FilterSet):
    project = id_filter("project_id", "Project id")

    class Meta:
        model = Product
        fields: list[str] = []


class ProductEventFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(max_length=100)
    user_id = django_filters.CharFilter(max_length=128)
    at_from, at_to = datetime_range("at")

    class Meta:
        model = ProductEvent
        fields: list[str] = []


class CustomerFilterSet(django_filters.FilterSet):
    product = id_filter("product_id", "Product id")
    channel = django_filters.CharFilter(max_length=60)
    acquired_on_from, acquired_on_to = date_range("acquired_on")

    class Meta:
        model = Customer
        fields: list[str] = []


class OrderFilterSet(django_filters.FilterSet):
    customer = id_filter("customer_id", "Customer id")
    product = id_filter("customer__product_id", "Product id")
    placed_at_from, placed_at_to = datetime_range("placed_at")

    class Meta:
        model = Order
        fields: list[str] = []


class MarketingSpendFilterSet(django_filters.FilterSet):
    product = id_filter("product_id", "Product id")
    channel = django_filters.CharFilter(max_length=60)
    period_start_from, period_start_to = date_range("period_start")

    class Meta:
        model = MarketingSpend
        fields: list[str] = []


class SurveyResponseFilterSet(django_filters.FilterSet):
    product = id_filter("product_id", "Product id")
    kind = django_filters.ChoiceFilter(choices=SurveyKind.choices)
    at_from, at_to = datetime_range("at")

    class Meta:
        model = SurveyResponse
        fields = ["kind"]


# --- snapshots ------------------------------------------------------------------------------------------------


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
    frozen = django_filters.BooleanFilter()

    class Meta:
        model = MetricSnapshot
        fields = ["scope_type", "frozen"]
