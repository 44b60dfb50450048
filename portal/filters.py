"""FilterSet helpers shared by every app: bounded id filters, bounded searches, date ranges, strict yes/no filters."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError

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


class _NoRow:
    """A well-formed id that names no row the user may see: the filter matches nothing."""


NO_ROW = _NoRow()


class ChoiceOrNoRowField(django_filters.fields.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        forms.IntegerField(min_value=1, max_value=MAX_ID).clean(value)  # not an id at all: a 400 naming the field
        try:
            return super().to_python(value)
        except ValidationError:
            return NO_ROW


class VisibleChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice among the rows the user may see (a select on the pages). Any other id, hidden or missing alike, lists
    nothing, as the plain id filters do, instead of a "not a valid choice" 400 the schema cannot describe."""

    field_class = ChoiceOrNoRowField

    def filter(self, qs, value):
        if value is NO_ROW:
            return qs.none()
        return super().filter(qs, value)


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


# The spellings of a yes/no filter: the API's (true/false, any case, or 1/0) and the page's select ("unknown": any).
YES_NO_VALUES = {"true": True, "1": True, "false": False, "0": False, "": None, "unknown": None}


class YesNoSelect(forms.NullBooleanSelect):
    """The page's Any/Yes/No select, handing the field the raw value so that it can refuse a misspelling."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class YesNoField(forms.NullBooleanField):
    widget = YesNoSelect

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        try:
            return YES_NO_VALUES[str(value).lower()]
        except KeyError:
            raise ValidationError("Must be true or false.", code="invalid") from None


class YesNoFilter(django_filters.BooleanFilter):
    """A yes/no filter that refuses anything but true or false (400 naming the field on the API, a form error on the
    pages), where django-filter's own reads a misspelling such as ``?is_active=abc`` as "any" and lists everything."""

    field_class = YesNoField


def open_filter(null_field: str) -> YesNoFilter:
    return YesNoFilter(field_name=null_field, lookup_expr="isnull", label="Still open")
