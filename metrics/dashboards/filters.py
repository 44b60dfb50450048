"""The portfolio dashboard's filters: the project list's ideas (``lifecycle.filters``) narrowed to what the
user can see, plus a project search and a date range. Filtering yields the projects whose snapshots the
charts aggregate; the date range also trims the time series."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from lifecycle.models import Project
from lifecycle.selectors import projects_visible_to
from portal.filters import search_filter
from portfolio.access import portfolios_visible_to
from portfolio.models import BusinessUnit, Portfolio, StrategicGoal

#: Filter names the project list understands too (``lifecycle.filters.ProjectFilterSet``): drill-down links
#: carry them over, with the dashboard's project search as the list's ``q`` and its date range as is.
LIST_FILTERS = ("portfolio", "business_unit", "strategic_goal", "owner")


class PortfolioDashboardFilterSet(django_filters.FilterSet):
    portfolio = django_filters.ModelChoiceFilter(queryset=Portfolio.objects.none(), label="Portfolio")
    strategic_goal = django_filters.ModelChoiceFilter(queryset=StrategicGoal.objects.all(), label="Strategic goal")
    business_unit = django_filters.ModelChoiceFilter(queryset=BusinessUnit.objects.all(), label="Business unit")
    owner = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.none(), label="Owner")
    project = search_filter("search", "Project (code or name)")
    date_from = django_filters.DateFilter(
        method="active_from", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(method="active_to", label="To", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Project
        fields = ["portfolio", "strategic_goal", "business_unit", "owner"]

    def __init__(self, data: Any = None, *args: Any, user: Any, **kwargs: Any) -> None:
        visible = projects_visible_to(user)
        super().__init__(data, *args, queryset=visible, **kwargs)
        fields = self.form.fields
        fields["portfolio"].queryset = portfolios_visible_to(user)
        fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=visible.values("owner_id")).order_by("username")
        )
        for field in fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def search(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset

    def active_from(self, queryset: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        """Projects still running on or after the date (no end date: still running)."""
        end = Coalesce("actual_end_date", "target_end_date")
        return queryset.alias(end=end).filter(Q(end__isnull=True) | Q(end__gte=value))

    def active_to(self, queryset: QuerySet[Project], name: str, value: Any) -> QuerySet[Project]:
        """Projects ideated on or before the date."""
        return queryset.filter(ideation_date__lte=value)

    def list_query(self) -> dict[str, str]:
        """The filters as project-list parameters, for drill-down links."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        data = self.form.cleaned_data
        query = {name: str(data[name].pk) for name in LIST_FILTERS if data.get(name)}
        if data.get("project"):
            query["q"] = data["project"].strip()
        for name in ("date_from", "date_to"):  # the list filters the same range the same way
            if data.get(name):
                query[name] = data[name].isoformat()
        return query

    def period_bounds(self) -> tuple[str, str]:
        """The date range as month keys ("" = open), for trimming monthly series."""
        if not self.is_bound or not self.form.is_valid():
            return "", ""
        data = self.form.cleaned_data
        start = f"{data['date_from']:%Y-%m}" if data.get("date_from") else ""
        end = f"{data['date_to']:%Y-%m}" if data.get("date_to") else ""
        return start, end
