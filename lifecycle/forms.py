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

from lifecycle.choices import RAG, Phase, RiskTier
from lifecycle.models import ArtifactType, Project
from lifecycle.services.projects import EDITABLE_FIELDS
from portfolio.access import portfolios_visible_to
from portfolio.choices import EXECUTIVE_ROLES, MANAGER_ROLES
from portfolio.models import BusinessUnit, Membership, Portfolio, StrategicGoal

User = get_user_model()


def manageable_portfolios(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Portfolio]:
    """Portfolios in which the user may create projects."""
    portfolios = portfolios_visible_to(user)
    if getattr(user, "is_superuser", False):
        return portfolios
    return portfolios.filter(memberships__user=user, memberships__role__in=MANAGER_ROLES).distinct()


def people_in(portfolio_ids: Any, roles: frozenset[str]) -> QuerySet:
    ids = Membership.objects.filter(portfolio_id__in=portfolio_ids, role__in=roles).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")


class BootstrapForm(forms.Form):
    """Gives every widget its Bootstrap class, and marks fields with errors as invalid."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            if isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in getattr(self, "_errors", None) or {}:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", ""):
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> expects, whatever the locale


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
    overall_rag = forms.ChoiceField(choices=RAG.choices, label="Overall RAG")
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


class ActivityAddForm(BootstrapForm):
    phase = forms.ChoiceField(choices=Phase.choices, widget=forms.HiddenInput)
    name = forms.CharField(max_length=200)


class ActivityRenameForm(BootstrapForm):
    name = forms.CharField(max_length=200)


class ActivityRemoveForm(BootstrapForm):
    reason = forms.CharField(max_length=500, required=False)


class ArtifactUploadForm(BootstrapForm):
    artifact_type = forms.ModelChoiceField(queryset=ArtifactType.objects.all(), label="Artifact")
    file = forms.FileField(required=False, help_text="PDF, Office, image, text, CSV, JSON, YAML or notebook.")
    url = forms.CharField(required=False, max_length=500, label="Or a link", help_text="A full http(s) URL.")
    note = forms.CharField(required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("file")) == bool((data.get("url") or "").strip()):
            raise forms.ValidationError("Give either a file or a link, not both and not neither.")
        return data


class ArtifactWaiveForm(BootstrapForm):
    artifact_type = forms.ModelChoiceField(queryset=ArtifactType.objects.all(), widget=forms.HiddenInput)
    reason = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
