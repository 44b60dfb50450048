"""Form helpers shared by every app's pages: widget classes, and a service's refusal shown on the form."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.exceptions import DomainError

# Bootstrap's compact controls, for forms inside cards and tables.
SMALL_INPUT = {"class": "form-control form-control-sm"}
SMALL_SELECT = {"class": "form-select form-select-sm"}


def show_refusal(form: forms.Form, exc: DomainError) -> int:
    """Put the service's refusal on the form; the HTTP status to answer with."""
    add_domain_error(form, exc)
    return exc.status_code


def refusal_of(form: forms.Form | None) -> str:
    """The refusal to show when the form itself is hidden (a read-only role posting anyway)."""
    if form is None or not form.is_bound:
        return ""
    errors = form.non_field_errors()
    return str(errors[0]) if errors else ""


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the form: field details on their fields, the message on top."""
    details = error.details if isinstance(error.details, dict) else {}
    for key, message in details.items():
        if key in form.fields:
            form.add_error(key, str(message))
    form.add_error(None, error.message)


# --- Bootstrap styling ----------------------------------------------------------------------------------------

BOOTSTRAP_CLASSES = frozenset({"form-control", "form-select", "form-check-input", "is-invalid"})


def bootstrap_widgets(form: forms.BaseForm, invalid: Any = ()) -> None:
    """Bootstrap's class on every visible widget (beside any class of its own), ``is-invalid`` on the fields
    named in ``invalid``."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        own = [name for name in widget.attrs.get("class", "").split() if name not in BOOTSTRAP_CLASSES]
        widget.attrs["class"] = " ".join([*own, css, *(["is-invalid"] if name in invalid else [])])


class BootstrapMixin:
    """Styles a form's widgets for Bootstrap, and marks the fields with errors after validation."""

    # The server validates: a charter row marked for removal, say, must submit even when incomplete.
    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap_widgets(self)  # type: ignore[arg-type]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        bootstrap_widgets(self, invalid=self._errors or ())  # type: ignore[arg-type,attr-defined]

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        bootstrap_widgets(self, invalid=self._errors or ())  # type: ignore[arg-type,attr-defined]


class BootstrapForm(BootstrapMixin, forms.Form):
    """A plain form: the browser may check required fields before the server does."""

    use_required_attribute = True


class PersonChoiceField(forms.ModelChoiceField):
    """People by full name (and username), the way every page names them."""

    def label_from_instance(self, obj: Any) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")  # what <input type="date"> expects, whatever the locale
