"""One FilterSet for a project's history: the page and the API filter with the same names.

``kind`` (see ``audit_catalog.AuditKind``), ``actor`` (a user id among the project's people; anyone else lists
nothing, as the other id filters do), ``since`` and ``until`` (dates, inclusive, in the site's time zone).
"""

import datetime
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from lifecycle.audit_catalog import AUDIT_CATALOG, AuditKind, actions_of_kind
from lifecycle.models import AuditRecord, Project
from lifecycle.selectors import project_history_people
from portal.filters import VisibleChoiceFilter
from portal.models import User


def _day_start(day: datetime.date, days_later: int = 0) -> datetime.datetime | None:
    """Midnight of the day (plus ``days_later``) in the site's time zone, or None past the calendar's ends (year 1
    or 9999 shifted to UTC): there the range is open, since nothing was recorded then."""
    try:
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min) + datetime.timedelta(days_later))
        start.astimezone(datetime.UTC)  # the database compares in UTC
    except OverflowError:
        return None
    return start


def _person_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


class ProjectHistoryFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AuditKind.choices, method="of_kind", label="Kind of change")
    actor = VisibleChoiceFilter(queryset=User.objects.none(), label="Who (user id)")
    since = django_filters.DateFilter(method="on_or_after", label="On or after (date, site time zone)")
    until = django_filters.DateFilter(method="on_or_before", label="On or before (date, site time zone)")

    class Meta:
        model = AuditRecord
        fields: list[str] = []

    def __init__(self, data: Any = None, queryset: Any = None, *, project: Project, **kwargs: Any) -> None:
        super().__init__(data, queryset, **kwargs)
        self.filters["actor"].queryset = project_history_people(project)

    @property
    def form(self) -> Any:
        form = super().form
        form.fields["actor"].label_from_instance = _person_name
        return form

    def of_kind(self, queryset: QuerySet[AuditRecord], name: str, value: str) -> QuerySet[AuditRecord]:
        if value == AuditKind.OTHER:  # also the actions this version does not know
            return queryset.filter(Q(action__in=actions_of_kind(value)) | ~Q(action__in=list(AUDIT_CATALOG)))
        return queryset.filter(action__in=actions_of_kind(value))

    # Bounds on the column itself, not a date of it: the (project, -at) index still serves the page.
    def on_or_after(self, queryset: QuerySet[AuditRecord], name: str, value: datetime.date) -> QuerySet[AuditRecord]:
        start = _day_start(value)
        return queryset if start is None else queryset.filter(at__gte=start)

    def on_or_before(self, queryset: QuerySet[AuditRecord], name: str, value: datetime.date) -> QuerySet[AuditRecord]:
        end = _day_start(value, days_later=1)
        return queryset if end is None else queryset.filter(at__lt=end)
