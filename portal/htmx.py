"""htmx requests: telling them apart, and answering them with a fragment instead of the page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def render_fragment_or_page(
    request: HttpRequest, page: str, fragment: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """htmx requests get the fragment (422 when refused, so htmx swaps the form with its errors)."""
    if is_htmx(request):
        return render(request, fragment, context, status=422 if status >= 400 else status)
    return render(request, page, context, status=status)
