"""Forms of the MLflow and deployed-model pages. They only shape input: the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from lifecycle.models import Project
from metrics.choices import AlertSeverity, Comparator
from metrics.models import ExperimentLink, RegisteredModelLink, TrackingServer
from portal.models import User

_INPUT = {"class": "form-control form-control-sm"}
_SELECT = {"class": "form-select form-select-sm"}


class _ServerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}{' (default)' if obj.is_default else ''}"


class ExperimentLinkForm(forms.Form):
    """Link by id or by name (exactly one; the browse list fills the id)."""

    server = _ServerChoice(TrackingServer.objects.all(), required=False, widget=forms.Select(attrs=_SELECT))
    experiment_id = forms.CharField(max_length=64, required=False, widget=forms.TextInput(attrs=_INPUT))
    experiment_name = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs=_INPUT))
    key_metrics = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": "val_auc, val_loss"}),
        help_text="Comma-separated: their full history is pulled.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("experiment_id")) == bool(data.get("experiment_name")):
            raise forms.ValidationError("Give an experiment id or a name (one of them).")
        return data


class ModelLinkForm(forms.Form):
    server = _ServerChoice(TrackingServer.objects.all(), required=False, widget=forms.Select(attrs=_SELECT))
    model_name = forms.CharField(max_length=500, widget=forms.TextInput(attrs=_INPUT))


def split_keys(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(attrs=_INPUT, format="%Y-%m-%dT%H:%M")


class DeployedModelForm(forms.Form):
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs=_INPUT))
    model_link = forms.ModelChoiceField(
        RegisteredModelLink.objects.none(),
        required=False,
        label="Registered model",
        widget=forms.Select(attrs=_SELECT),
    )
    model_version = forms.IntegerField(min_value=1, required=False, widget=forms.NumberInput(attrs=_INPUT))
    monitoring_link = forms.ModelChoiceField(
        ExperimentLink.objects.none(),
        required=False,
        label="Monitoring experiment",
        widget=forms.Select(attrs=_SELECT),
    )
    monitoring_run_id = forms.CharField(
        max_length=64,
        required=False,
        label="Monitoring run id",
        widget=forms.TextInput(attrs=_INPUT),
        help_text="Empty: the most recently started run of the monitoring experiment.",
    )
    owner = forms.ModelChoiceField(User.objects.none(), required=False, widget=forms.Select(attrs=_SELECT))
    deployed_at = forms.DateTimeField(required=False, widget=_DateTimeInput())
    last_trained_at = forms.DateTimeField(required=False, widget=_DateTimeInput())
    retrain_every_days = forms.IntegerField(
        min_value=1, max_value=3650, initial=90, widget=forms.NumberInput(attrs=_INPUT)
    )
    approved_at = forms.DateTimeField(required=False, widget=_DateTimeInput(), help_text="Empty: the deployment time.")
    approval_valid_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs=_INPUT),
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
    metric_key = forms.CharField(max_length=250, widget=forms.TextInput(attrs={**_INPUT, "placeholder": "accuracy"}))
    comparator = forms.ChoiceField(choices=Comparator.choices, widget=forms.Select(attrs=_SELECT))
    threshold = forms.FloatField(widget=forms.NumberInput(attrs={**_INPUT, "step": "any"}))
    severity = forms.ChoiceField(
        choices=AlertSeverity.choices, initial=AlertSeverity.HIGH, widget=forms.Select(attrs=_SELECT)
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={**_INPUT, "rows": 2}))
