"""Forms of the deployed models pages: registering a model, its thresholds, resolving an alert."""

from __future__ import annotations

from typing import Any

from django import forms

from lifecycle.models import Project
from metrics.deployments.choices import AlertSeverity
from metrics.mirror.choices import Comparator
from metrics.mirror.models import ExperimentLink, RegisteredModelLink
from portal.forms import SMALL_INPUT, SMALL_SELECT
from portal.models import User


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(attrs=SMALL_INPUT, format="%Y-%m-%dT%H:%M")


class DeployedModelForm(forms.Form):
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs=SMALL_INPUT))
    model_link = forms.ModelChoiceField(
        RegisteredModelLink.objects.none(),
        required=False,
        label="Registered model",
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    model_version = forms.IntegerField(min_value=1, required=False, widget=forms.NumberInput(attrs=SMALL_INPUT))
    monitoring_link = forms.ModelChoiceField(
        ExperimentLink.objects.none(),
        required=False,
        label="Monitoring experiment",
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    monitoring_run_id = forms.CharField(
        max_length=64,
        required=False,
        label="Monitoring run id",
        widget=forms.TextInput(attrs=SMALL_INPUT),
        help_text="Empty: the most recently started run of the monitoring experiment.",
    )
    owner = forms.ModelChoiceField(User.objects.none(), required=False, widget=forms.Select(attrs=SMALL_SELECT))
    deployed_at = forms.DateTimeField(required=False, widget=DateTimeInput())
    last_trained_at = forms.DateTimeField(required=False, widget=DateTimeInput())
    retrain_every_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, widget=forms.NumberInput(attrs=SMALL_INPUT)
    )
    approved_at = forms.DateTimeField(required=False, widget=DateTimeInput(), help_text="Empty: the deployment time.")
    approval_valid_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs=SMALL_INPUT),
        help_text="Empty: the portal default.",
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["model_link"].queryset = project.model_links.all()
        fields["monitoring_link"].queryset = project.experiment_links.all()
        fields["owner"].queryset = User.objects.filter(memberships__portfolio_id=project.portfolio_id).distinct()

    def service_fields(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")} | {
            "name": self.cleaned_data["name"]
        }


class ThresholdForm(forms.Form):
    metric_key = forms.CharField(
        max_length=250, widget=forms.TextInput(attrs={**SMALL_INPUT, "placeholder": "accuracy"})
    )
    comparator = forms.ChoiceField(choices=Comparator.choices, widget=forms.Select(attrs=SMALL_SELECT))
    threshold = forms.FloatField(widget=forms.NumberInput(attrs={**SMALL_INPUT, "step": "any"}))
    severity = forms.ChoiceField(
        choices=AlertSeverity.choices, initial=AlertSeverity.HIGH, widget=forms.Select(attrs=SMALL_SELECT)
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={**SMALL_INPUT, "rows": 2}))
