"""Forms of the artifacts page: upload a version, waive a required artifact."""

from typing import Any

from django import forms

from lifecycle.models import ArtifactType
from portal.forms import BootstrapForm


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
