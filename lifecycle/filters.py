"""One FilterSet for the project list: the HTML page and the API filter with the same fields."""

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from lifecycle.choices import RAG, Phase, ProjectState, RiskTier
from lifecycle.models import Project
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


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    portfolio = django_filters.ModelChoiceFilter(queryset=lambda request: portfolios_visible_to(_user(request)))
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    state = django_filters.ChoiceFilter(choices=ProjectState.choices)
    business_unit = django_filters.ModelChoiceFilter(queryset=BusinessUnit.objects.all())
    strategic_goal = django_filters.ModelChoiceFilter(queryset=StrategicGoal.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=lambda request: _visible_people(_user(request)))
    risk_tier = django_filters.ChoiceFilter(choices=RiskTier.choices)
    overall_rag = django_filters.ChoiceFilter(choices=RAG.choices)
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
