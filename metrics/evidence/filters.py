"""FilterSet of the gate rules API."""

import django_filters

from lifecycle.choices import Phase
from metrics.evidence.choices import GateRuleKind
from metrics.evidence.models import GateRule
from portal.filters import YesNoFilter, id_filter


class GateRuleFilterSet(django_filters.FilterSet):
    # Plain ids, not model choices: a model choice answered "not a valid choice" for another portfolio's project,
    # which told outsiders the id exists.
    portfolio = id_filter("portfolio_id", "Portfolio id")
    project = id_filter("project_id", "Project id")
    phase = django_filters.ChoiceFilter(choices=Phase.choices, help_text="The gate that ends this phase.")
    kind = django_filters.ChoiceFilter(choices=GateRuleKind.choices)
    is_active = YesNoFilter()

    class Meta:
        model = GateRule
        fields = ["phase", "kind", "is_active"]
