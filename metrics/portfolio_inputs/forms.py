"""Forms of the input pages and of the CSV import pages.

Forms only shape input; the rules live in the services (``metrics.portfolio_inputs.services``), whose DomainError is
put back onto the form with ``portal.forms.add_domain_error``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from lifecycle.choices import RAG
from lifecycle.models import SuccessMetric
from metrics.portfolio_inputs.choices import RISK_IMPACT_RANGE, CostCategory, IssueSeverity
from metrics.portfolio_inputs.models import Benefit
from portal.forms import BootstrapForm, DateInput, PersonChoiceField
from portfolio.models import Membership

User = get_user_model()


# --- input forms ----------------------------------------------------------------------------------------------


def portfolio_members(portfolio_id: int) -> QuerySet:
    ids = Membership.objects.filter(portfolio_id=portfolio_id).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "username")


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m")


class MonthField(forms.DateField):
    """A calendar month (``<input type="month">`` sends 2026-03), cleaned to its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class BudgetForm(BootstrapForm):
    period_start = MonthField(label="Month")
    amount = forms.DecimalField(min_value=0, decimal_places=2, max_digits=14, help_text="Planned spend that month.")


class CostEntryForm(BootstrapForm):
    day = forms.DateField(widget=DateInput)
    amount = forms.DecimalField(min_value=0, decimal_places=2, max_digits=14)
    category = forms.ChoiceField(choices=CostCategory.choices, initial=CostCategory.OTHER, required=False)

    def clean_category(self) -> str:
        return self.cleaned_data["category"] or CostCategory.OTHER

    note = forms.CharField(max_length=300, required=False)


class CostCorrectForm(CostEntryForm):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the history.")

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "reason"}


class PersonWeekForm(BootstrapForm):
    person = PersonChoiceField(queryset=User.objects.none())
    week = forms.DateField(widget=DateInput, help_text="The Monday of the week.")

    def __init__(self, *args: Any, portfolio_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = portfolio_members(portfolio_id)


class AllocationForm(PersonWeekForm):
    hours = forms.DecimalField(
        min_value=0, max_value=168, decimal_places=2, max_digits=6, help_text="0 frees the week."
    )


class CapacityForm(PersonWeekForm):
    working_hours = forms.DecimalField(min_value=0, max_value=168, decimal_places=2, max_digits=6, initial=40)
    leave_hours = forms.DecimalField(
        min_value=0, max_value=168, decimal_places=2, max_digits=6, initial=0, required=False, help_text="Default 0."
    )


class TimeEntryForm(BootstrapForm):
    person = PersonChoiceField(queryset=User.objects.none())
    day = forms.DateField(widget=DateInput)
    hours = forms.DecimalField(min_value=0, max_value=24, decimal_places=2, max_digits=6)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args: Any, portfolio_id: int, user: Any, may_log_for_others: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"person": user.pk})
        super().__init__(*args, **kwargs)
        people = portfolio_members(portfolio_id)
        self.fields["person"].queryset = people if may_log_for_others else people.filter(pk=user.pk)


RAG_CHOICES = [("", RAG.NOT_ASSESSED.label), *RAG.assessed_choices()]


class StatusReportForm(BootstrapForm):
    as_of = forms.DateField(widget=DateInput, label="As of")
    schedule = forms.ChoiceField(choices=RAG_CHOICES, required=False)
    cost = forms.ChoiceField(choices=RAG_CHOICES, required=False)
    risk = forms.ChoiceField(choices=RAG_CHOICES, required=False)
    issues = forms.ChoiceField(choices=RAG_CHOICES, required=False)
    override = forms.ChoiceField(
        choices=[("", "No override"), *RAG.assessed_choices()],
        required=False,
        label="Your overall RAG",
        help_text=(
            "Your report's overall is the worst dimension you rate unless you set it, with a reason. It is shown "
            "beside the computed overall RAG; it does not replace it."
        ),
    )
    override_reason = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    percent_complete = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="% complete", help_text="Actual progress."
    )
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        percent = data.pop("percent_complete")
        data["percent_complete"] = None if percent is None else (percent / 100).quantize(Decimal("0.0001"))
        return data


class RagOverrideForm(BootstrapForm):
    """A manager's override of the computed overall RAG (the rules, e.g. the longest term, are in the service)."""

    rag = forms.ChoiceField(choices=RAG.assessed_choices(), label="Overall RAG")
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept in the history."
    )
    expires_on = forms.DateField(widget=DateInput, label="Until", help_text="The last day it is in force.")


class RagRevokeForm(BootstrapForm):
    reason = forms.CharField(required=False, max_length=2000, label="Why revoke (optional)")


class RiskFieldsForm(BootstrapForm):
    title = forms.CharField(max_length=200)
    probability = forms.DecimalField(min_value=0, max_value=1, decimal_places=2, max_digits=3, help_text="0 to 1.")
    impact = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(RISK_IMPACT_RANGE[0], RISK_IMPACT_RANGE[1] + 1)],
        coerce=int,
        help_text="1 (minor) to 5 (severe).",
    )
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    mitigation = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, portfolio_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = portfolio_members(portfolio_id)


class RiskAddForm(RiskFieldsForm):
    opened_on = forms.DateField(widget=DateInput, required=False, help_text="Default today.")


class RiskUpdateForm(RiskFieldsForm):
    reason = forms.CharField(required=False, max_length=500, help_text="Why it is re-assessed; kept in the history.")

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "reason"}


class CloseForm(BootstrapForm):
    closed_on = forms.DateField(widget=DateInput, required=False, help_text="Default today.")


class RiskCloseForm(CloseForm):
    reason = forms.CharField(required=False, max_length=500)


class IssueCloseForm(CloseForm):
    resolution = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class IssueForm(BootstrapForm):
    title = forms.CharField(max_length=200)
    severity = forms.ChoiceField(choices=IssueSeverity.choices)
    opened_on = forms.DateField(widget=DateInput, required=False, help_text="Default today.")
    owner = PersonChoiceField(queryset=User.objects.none(), required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, portfolio_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = portfolio_members(portfolio_id)


class BenefitForm(BootstrapForm):
    name = forms.CharField(max_length=160)
    success_metric = forms.ModelChoiceField(
        queryset=SuccessMetric.objects.none(),
        required=False,
        help_text="The charter's success metric this benefit measures.",
    )
    unit = forms.CharField(max_length=40, required=False)

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["success_metric"].queryset = SuccessMetric.objects.filter(charter__project=project)


class MeasurementForm(BootstrapForm):
    benefit = forms.ModelChoiceField(queryset=Benefit.objects.none())
    period_end = forms.DateField(widget=DateInput, help_text="Last day of the period.")
    planned = forms.DecimalField(min_value=0, decimal_places=2, max_digits=14)
    realized = forms.DecimalField(min_value=0, decimal_places=2, max_digits=14, required=False)

    def __init__(self, *args: Any, project: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benefit"].queryset = Benefit.objects.filter(project=project)


class MilestoneForm(BootstrapForm):
    name = forms.CharField(max_length=160, help_text="An existing name updates that milestone.")
    due_date = forms.DateField(widget=DateInput, required=False)
    done = forms.BooleanField(required=False)
    base_version = forms.IntegerField(widget=forms.HiddenInput)
