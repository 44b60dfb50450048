"""One FilterSet for the project list: the HTML page and the API filter with the same fields.

Besides the form's own filters it understands what the dashboards' drill-down links ask for, so the list a chart
opens holds exactly the projects its mark counts: ``overall_rag=not_assessed``, ``gate_decision`` (projects with a
gate review decided that way), ``mobilize_days_min`` / ``mobilize_days_max`` (days from ideation to start, inclusive)
and the dashboard's date range (``date_from``: still running then; ``date_to``: ideated by then).
"""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from lifecycle.choices import RAG, GateDecision, Phase, ProjectState, RiskTier
from lifecycle.models import GateReview, Project
from portal.filters import VisibleChoiceFilter, search_filter
from portfolio.access import portfolios_visible_to
from portfolio.models import BusinessUnit, StrategicGoal


def _user(request):
    return getattr(request, "user", None) or AnonymousUser()


def _visible_people(user):
    """Choices for the owner filter: people of the user's portfolios, so the form leaks no one else."""
    people = get_user_model().objects.order_by("username")
    if user.is_superuser:
        return people
    return people.filter(memberships__portfolio__in=portfolios_visible_to(user)).distinct()


#: Upper bound of the day filters (a century): keeps the database from overflowing on absurd input.
MAX_DAYS = 36_500


def _mobilize_days(queryset: QuerySet[Project]) -> QuerySet[Project]:
    return queryset.alias(
        mobilize=ExpressionWrapper(F("start_date") - F("ideation_date"), output_field=DurationField())
    )


class ProjectFilterSet(django_filters.FilterSet):
    q = search_filter("search", "Search")
    portfolio = VisibleChoiceFilter(queryset=lambda request: portfolios_visible_to(_user(request)))
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    state = django_filters.ChoiceFilter(choices=ProjectState.choices)
    business_unit = VisibleChoiceFilter(queryset=BusinessUnit.objects.all())
    strategic_goal = VisibleChoiceFilter(queryset=StrategicGoal.objects.all())
    owner = VisibleChoiceFilter(queryset=lambda request: _visible_people(_user(request)))
    risk_tier = django_filters.ChoiceFilter(choices=RiskTier.choices)
    overall_rag = django_filters.ChoiceFilter(choices=RAG.choices)
    gate_decision = django_filters.ChoiceFilter(choices=GateDecision.choices, method="decided", label="Gate decision")
    mobilize_days_min = django_filters.NumberFilter(
        method="mobilized_after", min_value=0, max_value=MAX_DAYS, label="Days to mobilize, from"
    )
    mobilize_days_max = django_filters.NumberFilter(
        method="mobilized_within", min_value=0, max_value=MAX_DAYS, label="Days to mobilize, to"
    )
    date_from = django_filters.DateFilter(method="active_from", label="Running on or after")
    date_to = django_filters.DateFilter(method="active_to", label="Ideated on or before")
    ordering = django_filters.OrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("phase", "phase"), ("target_end_date", "target_end_date"))
    )

    class Meta:
        model = Project
        fields = ["portfolio", "phase", "state", "business_unit", "strategic_goal", "owner", "risk_tier", "overall_rag"]

    def search(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def decided(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        """Projects with at least one gate review decided ``value``."""
        if not value:
            return queryset
        return queryset.filter(Exists(GateReview.objects.filter(project=OuterRef("pk"), decision=value)))

    def mobilized_after(self, queryset: QuerySet[Project], name: str, value) -> QuerySet[Project]:
        """Started projects whose start came at least ``value`` days after their ideation."""
        if value is None:
            return queryset
        return _mobilize_days(queryset).filter(mobilize__gte=datetime.timedelta(days=int(value)))

    def mobilized_within(self, queryset: QuerySet[Project], name: str, value) -> QuerySet[Project]:
        """Started projects whose start came at most ``value`` days after their ideation."""
        if value is None:
            return queryset
        return _mobilize_days(queryset).filter(mobilize__lte=datetime.timedelta(days=int(value)))

    def active_from(self, queryset: QuerySet[Project], name: str, value) -> QuerySet[Project]:
        """Projects still running on or after the date (no end date: still running), as the dashboard filters."""
        end = Coalesce("actual_end_date", "target_end_date")
        return queryset.alias(end=end).filter(Q(end__isnull=True) | Q(end__gte=value))

    def active_to(self, queryset: QuerySet[Project], name: str, value) -> QuerySet[Project]:
        """Projects ideated on or before the date, as the dashboard filters."""
        return queryset.filter(ideation_date__lte=value)
