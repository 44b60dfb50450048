"""Forms of the CSV import pages: the upload, and the confirmation that carries the signed file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat

from portal.forms import BootstrapForm


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
