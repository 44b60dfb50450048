"""Forms of the MLflow and deployed-model pages. They only shape input: the services decide."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from lifecycle.models import Project
from metrics.mirror.models import TrackingServer
from metrics.mirror.selectors import tracking_servers_for
from portal.forms import SMALL_INPUT, SMALL_SELECT


class _ServerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}{' (default)' if obj.is_default else ''}"


class _ServerForm(forms.Form):
    """The server is chosen among those granted to the project's portfolio."""

    server = _ServerChoice(TrackingServer.objects.none(), required=False, widget=forms.Select(attrs=SMALL_SELECT))

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["server"]).queryset = tracking_servers_for(project)


class ExperimentLinkForm(_ServerForm):
    """Link by id or by name (exactly one; the browse list fills the id)."""

    experiment_id = forms.CharField(max_length=64, required=False, widget=forms.TextInput(attrs=SMALL_INPUT))
    experiment_name = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs=SMALL_INPUT))
    key_metrics = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.TextInput(attrs={**SMALL_INPUT, "placeholder": "val_auc, val_loss"}),
        help_text="Comma-separated: their full history is pulled.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("experiment_id")) == bool(data.get("experiment_name")):
            raise forms.ValidationError("Give an experiment id or a name (one of them).")
        return data


class ModelLinkForm(_ServerForm):
    model_name = forms.CharField(max_length=500, widget=forms.TextInput(attrs=SMALL_INPUT))


def split_keys(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]
