"""Forms of the CSV import pages: the upload, the inputs a file lacks, and the confirmation that carries the
signed file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat

from metrics.imports.base import MissingInput
from portal.forms import BootstrapForm, DateInput, bootstrap_widgets


class ImportUploadForm(BootstrapForm):
    file = forms.FileField(label="CSV file", help_text="UTF-8 text, comma, semicolon or tab separated.")

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].help_text += f" At most {filesizeformat(max_bytes)}."
        self.fields["file"].widget.attrs["accept"] = ".csv,.tsv,.txt,text/csv,text/plain"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is {filesizeformat(self.max_bytes)}. "
                "Split it into smaller files."
            )
        return upload


class ImportConfirmForm(forms.Form):
    """The confirmation of a preview: the signed copy of the file, and whether bad rows are skipped."""

    payload = forms.CharField(widget=forms.HiddenInput)
    skip_invalid = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ImportInputsForm(BootstrapForm):
    """What the file does not say and the importer must (``MissingInput``): a date per named field, e.g. the
    start and end of each new sprint. ``inputs()`` gives them as the spec reads them: group -> name -> field."""

    def __init__(self, *args: Any, missing: Sequence[MissingInput], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.missing = list(missing)
        for index, need in enumerate(self.missing):
            for part in need.fields:
                self.fields[f"input-{index}-{part}"] = forms.DateField(label=part.capitalize(), widget=DateInput())
        bootstrap_widgets(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for index in range(len(self.missing)):
            start, end = cleaned.get(f"input-{index}-start"), cleaned.get(f"input-{index}-end")
            if start and end and end < start:
                self.add_error(f"input-{index}-end", "Before the start.")
        return cleaned

    def needs(self) -> list[dict[str, Any]]:
        """The fields of each need, for the template: [{"name": ..., "fields": [bound fields]}]."""
        return [
            {"name": need.name, "fields": [self[f"input-{index}-{part}"] for part in need.fields]}
            for index, need in enumerate(self.missing)
        ]

    def inputs(self) -> dict[str, Any]:
        given: dict[str, Any] = {}
        for index, need in enumerate(self.missing):
            values = {part: self.cleaned_data[f"input-{index}-{part}"].isoformat() for part in need.fields}
            given.setdefault(need.group, {})[need.name] = values
        return given
