"""Forms of the project, checklist and artifact pages.

Forms only shape input; the rules (who may, what is valid in the domain) live in the services,
whose DomainError is put back onto the form with `add_domain_error`.
"""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.utils import timezone

from lifecycle.choices import RiskTier
from lifecycle.models import Project
from lifecycle.services.projects import EDITABLE_FIELDS
from portal.forms import BootstrapForm, DateInput, PersonChoiceField
from portfolio.access import manageable_portfolios
from portfolio.choices import EXECUTIVE_ROLES, MANAGER_ROLES
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal

User = get_user_model()


def people_in(portfolio_ids: Any, roles: frozenset[str]) -> QuerySet:
    ids = Membership.objects.filter(portfolio_id__in=portfolio_ids, role__in=roles).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")


class ProjectFieldsForm(BootstrapForm):
    """The fields a manager sets both at creation and later."""

    name = forms.CharField(max_length=200)
    business_unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.all(), required=False)
    strategic_goal = forms.ModelChoiceField(queryset=StrategicGoal.objects.all(), required=False)
    owner = PersonChoiceField(queryset=User.objects.none(), help_text="A program or project manager of the portfolio.")
    sponsor = PersonChoiceField(queryset=User.objects.none(), help_text="An executive leader of the portfolio.")
    risk_tier = forms.ChoiceField(choices=RiskTier.choices, initial=RiskTier.MEDIUM)
    ideation_date = forms.DateField(widget=DateInput)
    start_date = forms.DateField(widget=DateInput, required=False)
    target_end_date = forms.DateField(widget=DateInput, required=False)

    def limit_people(self, portfolio_ids: Any) -> None:
        """Owner and sponsor choices: the portfolio's managers and executives only."""
        self.fields["owner"].queryset = people_in(portfolio_ids, MANAGER_ROLES)
        self.fields["sponsor"].queryset = people_in(portfolio_ids, EXECUTIVE_ROLES)


class ProjectCreateForm(ProjectFieldsForm):
    code = forms.CharField(max_length=32, help_text="Short unique reference, e.g. AML-042.")
    portfolio = forms.ModelChoiceField(queryset=Portfolio.objects.none())

    field_order = ["code", "name", "portfolio", "owner", "sponsor", "business_unit", "strategic_goal"]

    def __init__(self, *args: Any, user: AbstractBaseUser | AnonymousUser, portfolio_id: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        portfolios = manageable_portfolios(user)
        self.fields["portfolio"].queryset = portfolios
        self.fields["ideation_date"].initial = timezone.localdate
        chosen = self._chosen_portfolio(portfolios, portfolio_id)
        if chosen is not None:
            self.fields["portfolio"].initial = chosen
            self.limit_people([chosen])
        else:
            self.limit_people(portfolios.values("pk"))

    def _chosen_portfolio(self, portfolios: QuerySet[Portfolio], portfolio_id: Any) -> int | None:
        raw = self.data.get("portfolio") if self.is_bound else portfolio_id
        if raw in (None, ""):
            ids = list(portfolios.values_list("pk", flat=True)[:2])
            return ids[0] if len(ids) == 1 else None
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            return None
        return pk if portfolios.filter(pk=pk).exists() else None


class ProjectEditForm(ProjectFieldsForm):
    reason = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the history."
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any):
        kwargs.setdefault("initial", model_to_dict(project, fields=EDITABLE_FIELDS))
        super().__init__(*args, **kwargs)
        self.limit_people([project.portfolio_id])

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "reason"}


class ProjectResumeForm(BootstrapForm):
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
