"""One FilterSet for the project list: the HTML page and the API filter with the same fields."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from portfolio.models import BusinessUnit, Portfolio, StrategicGoal

from .choices import RAG, Phase, ProjectState, RiskTier
from .models import Project


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    portfolio = django_filters.ModelChoiceFilter(queryset=Portfolio.objects.all())
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    state = django_filters.ChoiceFilter(choices=ProjectState.choices)
    business_unit = django_filters.ModelChoiceFilter(queryset=BusinessUnit.objects.all())
    strategic_goal = django_filters.ModelChoiceFilter(queryset=StrategicGoal.objects.all())
    owner = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.all())
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
