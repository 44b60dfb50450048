"""Helpers shared by the input pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lifecycle.forms import add_domain_error
from portal.exceptions import DomainError


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def show_refusal(form: forms.Form, exc: DomainError) -> int:
    """Put the service's refusal on the form; the HTTP status to answer with."""
    add_domain_error(form, exc)
    return exc.status_code


def render_fragment_or_page(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """htmx requests get the fragment (422 when refused, so htmx swaps the form with its errors)."""
    if is_htmx(request):
        return render(request, fragment, context, status=422 if status >= 400 else status)
    return render(request, page, context, status=status)


def refusal_of(form: forms.Form | None) -> str:
    """The refusal to show when the form itself is hidden (a read-only role posting anyway)."""
    if form is None or not form.is_bound:
        return ""
    errors = form.non_field_errors()
    return str(errors[0]) if errors else ""
