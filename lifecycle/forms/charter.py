"""The charter edit form: the main fields plus one formset per multi-row section.

Forms only parse and validate input; lifecycle.services.charter_update decides and writes.
`CharterEditForms` groups the form and its formsets so the view handles them as one.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.http import QueryDict

from lifecycle.models import Charter
from lifecycle.services.audit import json_safe
from lifecycle.services.charter import CHARTER_FIELDS, CHARTER_SECTIONS
from portal.forms import BootstrapMixin

TEXTAREA_ROWS = 4
# Rows of a section's formset carry no `required` attribute: a row marked for removal must submit.
ROW_WIDGETS: dict[str, forms.Widget | type[forms.Widget]] = {
    "definition": forms.Textarea(attrs={"rows": 2}),
    "description": forms.Textarea(attrs={"rows": 2}),
    "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "baseline": forms.NumberInput(attrs={"step": "any"}),
    "target": forms.NumberInput(attrs={"step": "any"}),
}


class CharterForm(BootstrapMixin, forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(
        max_length=200, required=False, label="Note for this version", help_text="Optional: what changed and why."
    )

    class Meta:
        model = Charter
        fields = list(CHARTER_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": TEXTAREA_ROWS})
            for name in ("objective", "goal_description", "model_users", "business_process", "acceptance_measure")
        }
        labels = {
            "goal_description": "Goal (how much, which category, ...)",
            "model_users": "Who will use the model",
            "business_process": "How it enters their business process",
            "acceptance_measure": "How user acceptance is measured",
        }


class RowForm(BootstrapMixin, forms.ModelForm):
    """One row of a multi-row section. Never saved: its cleaned data becomes a row dict."""


def _row_form_class(section: str) -> type[forms.ModelForm]:
    model, fields = CHARTER_SECTIONS[section]
    widgets = {name: widget for name, widget in ROW_WIDGETS.items() if name in fields}
    return forms.modelform_factory(
        model, form=RowForm, fields=fields, widgets=widgets, formfield_callback=_row_formfield
    )


def _row_formfield(model_field: models.Field, **kwargs: Any) -> forms.Field | None:
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a link typed without a scheme is taken as https
    return model_field.formfield(**kwargs)


ROW_FORMSETS: dict[str, type[forms.BaseFormSet]] = {
    section: forms.formset_factory(_row_form_class(section), extra=0, can_delete=True) for section in CHARTER_SECTIONS
}
SECTION_LABELS = {
    "success_metrics": "SMART success metrics",
    "data_sources": "Data sources",
    "data_dictionary": "Data dictionary",
    "milestones": "Milestones",
}


def plain_number(value: Any) -> Any:
    """4.5 rather than the stored 4.5000; other values unchanged."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def section_rows(charter: Charter, section: str) -> list[dict[str, Any]]:
    _model, fields = CHARTER_SECTIONS[section]
    return [{name: plain_number(getattr(row, name)) for name in fields} for row in getattr(charter, section).all()]


def blank_row_form(section: str, index: int) -> forms.Form:
    """The form of a new row at `index` of a section's formset, as the formset itself would build it."""
    form = ROW_FORMSETS[section](prefix=section).empty_form
    form.prefix = f"{section}-{index}"
    return form


class CharterEditForms:
    """The charter form and its section formsets, bound to POST data or initialised from the charter."""

    def __init__(self, charter: Charter, data: QueryDict | None = None) -> None:
        self.charter = charter
        if data is None:
            self.form = CharterForm(instance=charter, initial={"base_version": charter.version})
            self.formsets = {
                section: formset_class(prefix=section, initial=section_rows(charter, section))
                for section, formset_class in ROW_FORMSETS.items()
            }
        else:
            # A copy so that is_valid() never writes form input onto the cached charter instance.
            self.form = CharterForm(data, instance=Charter(pk=charter.pk, project_id=charter.project_id))
            self.formsets = {
                section: formset_class(data, prefix=section) for section, formset_class in ROW_FORMSETS.items()
            }

    @property
    def sections(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "label": SECTION_LABELS[name], "formset": formset} for name, formset in self.formsets.items()
        ]

    def is_valid(self) -> bool:
        results = [self.form.is_valid()] + [formset.is_valid() for formset in self.formsets.values()]
        return all(results)

    @property
    def base_version(self) -> int:
        return self.form.cleaned_data["base_version"]

    @property
    def note(self) -> str:
        return self.form.cleaned_data.get("note", "")

    def changes(self) -> dict[str, Any]:
        """Fields and whole sections as charter_update takes them; blank new rows and removed rows dropped."""
        changes: dict[str, Any] = {
            name: _at_stored_precision(Charter, name, self.form.cleaned_data.get(name)) for name in CHARTER_FIELDS
        }
        for section, formset in self.formsets.items():
            model, fields = CHARTER_SECTIONS[section]
            changes[section] = [
                {name: _at_stored_precision(model, name, form.cleaned_data.get(name)) for name in fields}
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
        return changes

    def add_domain_errors(self, message: str, details: Any) -> None:
        """Show a service's refusal on the form: the message on top, keyed details where they belong."""
        self.form.add_error(None, message)
        if not isinstance(details, dict):
            return
        for key, text in details.items():
            if key in self.form.fields:
                self.form.add_error(key, str(text))
            else:
                self.form.add_error(None, f"{key.replace('_', ' ')}: {text}")


def _at_stored_precision(model: type[models.Model], name: str, value: Any) -> Any:
    """Decimals as the database will return them, so versions compare equal across saves."""
    model_field = model._meta.get_field(name)
    if isinstance(model_field, models.DecimalField) and isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-model_field.decimal_places))
    return value


def snapshot_of_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes in the shape of a stored snapshot (JSON values, "" for empty text) for comparison."""
    snapshot: dict[str, Any] = {name: _as_stored(Charter, name, changes.get(name)) for name in CHARTER_FIELDS}
    for section, (model, fields) in CHARTER_SECTIONS.items():
        rows = changes.get(section) or []
        snapshot[section] = [{name: _as_stored(model, name, row.get(name)) for name in fields} for row in rows]
    return json_safe(snapshot)


def _as_stored(model: type[models.Model], name: str, value: Any) -> Any:
    if value is None and not model._meta.get_field(name).null:
        return ""
    return value
