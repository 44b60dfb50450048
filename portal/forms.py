"""Form helpers shared by every app's pages: widget classes, and a service's refusal shown on the form."""

from __future__ import annotations

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
