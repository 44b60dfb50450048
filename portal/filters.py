"""FilterSet helpers shared by every app: bounded id filters, bounded searches and date ranges."""

import django_filters

from portal.serializers import MAX_ID

# The longest search text: a project code or a few words of a name. Longer input is refused (400 naming the field on
# the API, a form error on the pages) instead of reaching LIKE, which SQLite refuses past 50,000 bytes (a 500).
SEARCH_MAX = 200


def search_filter(method: str, label: str) -> django_filters.CharFilter:
    return django_filters.CharFilter(method=method, label=label, max_length=SEARCH_MAX)


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


def open_filter(null_field: str) -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(field_name=null_field, lookup_expr="isnull", label="Still open")
