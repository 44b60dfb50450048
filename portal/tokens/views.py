"""The "API tokens" page: your tokens, a form to create one (its secret shown once), revoke, sign out everywhere.

Views are thin: they call ``portal.tokens.services`` and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from portal.exceptions import DomainError
from portal.forms import add_domain_error
from portal.tokens import services
from portal.tokens.forms import TokenCreateForm
from portal.tokens.selectors import tokens_of

TEMPLATE = "account/tokens.html"


def _page(request: HttpRequest, form: TokenCreateForm, status: int = 200, **extra: Any) -> HttpResponse:
    context = {"form": form, "tokens": list(tokens_of(request.user)), **extra}
    return render(request, TEMPLATE, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """GET: the page. POST: create a token and show its secret on this answer only (never stored, never
    redirected to: the page after a reload no longer has it)."""
    if request.method == "GET":
        return _page(request, TokenCreateForm())
    form = TokenCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=422)
    try:
        created = services.token_create(actor=request.user, **form.cleaned_data)
    except DomainError as refusal:
        add_domain_error(form, refusal)
        return _page(request, form, status=refusal.status_code)
    response = _page(request, TokenCreateForm(), created=created)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: str) -> HttpResponse:
    token = get_object_or_404(tokens_of(request.user), pk=pk)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("account-tokens")


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    signed_out = services.user_sign_out_everywhere(actor=request.user)
    update_session_auth_hash(request, signed_out.user)  # this browser stays signed in; every other one is out
    messages.success(
        request,
        f"Signed out everywhere: {signed_out.tokens_revoked} token(s) revoked, every other session ended.",
    )
    return redirect("account-tokens")
