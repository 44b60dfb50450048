"""The CSV import pages, generic over every registered ``ImportSpec`` (``metrics.imports``).

GET shows what the file must hold (columns, an example file) and an upload form. Uploading runs the file
through the services in a rolled-back transaction (``import_csv(commit=False)``) and shows the preview: how many
rows are good, and each bad row with its line and messages. Nothing is written until the user confirms. The file
is not stored on the server between the preview and the confirmation: the preview page carries it back in a
hidden field, signed (``django.core.signing``) so that what is imported is exactly what was previewed.

A file that lacks something only the importer can say (``MissingInput``: e.g. the dates of the new sprints of a
Jira export) first gets a small form asking for it; the answers are checked by a new preview and travel, signed
with the file, to the confirmation.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from metrics.imports.base import (
    ImportResult,
    ImportSpec,
    MissingInput,
    decode_csv,
    import_confirm,
    import_csv,
    import_max_bytes,
    import_spec,
)
from metrics.imports.forms import ImportConfirmForm, ImportInputsForm, ImportUploadForm
from portal.exceptions import DomainError, NotAllowed, ValidationFailed

PAYLOAD_SALT = "metrics.imports.preview"
#: A preview older than this must be uploaded again (the data it was checked against may have moved on).
PREVIEW_MAX_AGE_SECONDS = 6 * 60 * 60
#: Bad rows listed on the preview page; the count says how many more there are.
MAX_ERRORS_SHOWN = 200

PAGE_TEMPLATE = "metrics/imports/page.html"


def _spec_or_404(kind: str) -> ImportSpec:
    spec = import_spec(kind)
    if spec is None:
        raise Http404("No such import.")
    return spec


def _context(spec: ImportSpec, scope: Any, **extra: Any) -> dict[str, Any]:
    return {
        "spec": spec,
        "scope": scope,
        "scope_label": spec.scope_label(scope),
        "scope_url": spec.scope_url(scope),
        "max_bytes": import_max_bytes(),
        **extra,
    }


def _upload_page(
    request: HttpRequest,
    spec: ImportSpec,
    scope: Any,
    form: ImportUploadForm | None = None,
    status: int = 200,
    error: str = "",
) -> HttpResponse:
    """The upload form; ``error`` is a refusal not tied to the file field (a confirmation refused)."""
    form = form or ImportUploadForm(max_bytes=import_max_bytes())
    return render(request, PAGE_TEMPLATE, _context(spec, scope, form=form, error=error), status=status)


def _example_response(spec: ImportSpec) -> HttpResponse:
    response = HttpResponse(spec.example_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{spec.kind}-example.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, kind: str, scope_pk: int) -> HttpResponse:
    spec = _spec_or_404(kind)
    scope = get_object_or_404(spec.visible_scopes(request.user), pk=scope_pk)
    if request.method == "GET" and request.GET.get("example"):
        return _example_response(spec)
    try:
        spec.check_scope(request.user, scope)
    except NotAllowed as exc:
        return render(request, "metrics/imports/forbidden.html", _context(spec, scope, message=exc.message), status=403)
    if request.method == "GET":
        return _upload_page(request, spec, scope)
    if request.POST.get("action") == "confirm":
        return _confirm(request, spec, scope)
    if request.POST.get("action") == "inputs":
        return _inputs(request, spec, scope)
    return _preview(request, spec, scope)


def _preview(request: HttpRequest, spec: ImportSpec, scope: Any) -> HttpResponse:
    form = ImportUploadForm(request.POST, request.FILES, max_bytes=import_max_bytes())
    if not form.is_valid():
        return _upload_page(request, spec, scope, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        text = decode_csv(upload.read())
    except ValidationFailed as exc:
        form.add_error("file", exc.message)
        return _upload_page(request, spec, scope, form, status=400)
    result = import_csv(spec, actor=request.user, scope=scope, data=text, commit=False)
    if result.file_error and not result.missing:
        form.add_error("file", result.file_error)
        return _upload_page(request, spec, scope, form, status=400)
    payload = {
        "kind": spec.kind,
        "scope": scope.pk,
        "user": request.user.pk,
        "name": upload.name[:200],
        "nonce": secrets.token_hex(16),
        "errors": sorted(error.line for error in result.errors),
        "csv": text,
        "inputs": {},
    }
    if result.missing:
        form = ImportInputsForm(missing=result.missing)
        return _inputs_page(request, spec, scope, {**payload, "missing": _missing_list(result.missing)}, form)
    return _preview_page(request, spec, scope, result, payload)


def _missing_list(missing: list[MissingInput]) -> list[list[Any]]:
    return [[need.group, need.name, list(need.fields)] for need in missing]


def _inputs_page(
    request: HttpRequest,
    spec: ImportSpec,
    scope: Any,
    payload: dict[str, Any],
    form: ImportInputsForm,
    status: int = 200,
) -> HttpResponse:
    """The inputs the file lacks (e.g. new sprints' dates), asked before the preview; the file rides along signed."""
    signed = signing.dumps(payload, salt=PAYLOAD_SALT, compress=True)
    context = _context(
        spec,
        scope,
        form=ImportUploadForm(max_bytes=import_max_bytes()),
        inputs_form=form,
        carry_form=ImportConfirmForm(initial={"payload": signed}),
        file_name=payload["name"],
    )
    return render(request, PAGE_TEMPLATE, context, status=status)


def _inputs(request: HttpRequest, spec: ImportSpec, scope: Any) -> HttpResponse:
    """The answers to the inputs form: checked by a new preview, then carried to the confirmation."""
    try:
        payload = _read_payload(request, spec, scope)
    except ValidationFailed as exc:
        return _upload_page(request, spec, scope, status=400, error=exc.message)
    payload.pop("skip_invalid", None)
    missing = [MissingInput(group, name, tuple(fields)) for group, name, fields in payload.get("missing", [])]
    form = ImportInputsForm(request.POST, missing=missing)
    if not form.is_valid():
        return _inputs_page(request, spec, scope, payload, form, status=400)
    inputs = form.inputs()
    result = import_csv(spec, actor=request.user, scope=scope, data=payload["csv"], commit=False, inputs=inputs)
    if result.missing:  # other inputs are needed now (the data changed meanwhile)
        payload["missing"] = _missing_list(result.missing)
        return _inputs_page(request, spec, scope, payload, ImportInputsForm(missing=result.missing), status=409)
    if result.file_error:
        form.add_error(None, result.file_error)
        return _inputs_page(request, spec, scope, payload, form, status=400)
    payload.pop("missing", None)
    payload.update(inputs=inputs, nonce=secrets.token_hex(16), errors=sorted(e.line for e in result.errors))
    return _preview_page(request, spec, scope, result, payload)


def _preview_page(
    request: HttpRequest,
    spec: ImportSpec,
    scope: Any,
    result: ImportResult,
    payload: dict[str, Any],
    *,
    changed: bool = False,
    status: int = 200,
) -> HttpResponse:
    signed = signing.dumps(payload, salt=PAYLOAD_SALT, compress=True)
    bad = len(result.errors)
    context = _context(
        spec,
        scope,
        form=ImportUploadForm(max_bytes=import_max_bytes()),
        preview=result,
        file_name=payload["name"],
        good=result.total - bad,
        bad=bad,
        shown_errors=[_error_row(spec, error) for error in result.errors[:MAX_ERRORS_SHOWN]],
        hidden_errors=max(bad - MAX_ERRORS_SHOWN, 0),
        confirm_form=ImportConfirmForm(initial={"payload": signed, "skip_invalid": bool(bad)}),
        changed=changed,
    )
    return render(request, PAGE_TEMPLATE, context, status=status)


def _error_row(spec: ImportSpec, error: Any) -> dict[str, Any]:
    """A bad row as the preview table shows it: each column's value with its own message, then the rest."""
    names = {column.name for column in spec.columns}
    cells = [
        {"value": error.values.get(column.name, ""), "message": error.fields.get(column.name, "")}
        for column in spec.columns
    ]
    others = [(field, message) for field, message in error.fields.items() if field not in names]
    return {"line": error.line, "message": error.message, "cells": cells, "other_messages": others}


def _read_payload(request: HttpRequest, spec: ImportSpec, scope: Any) -> dict[str, Any]:
    """The previewed file, if the signature holds, is recent, and was made for this import, scope and user."""
    form = ImportConfirmForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed("The confirmation is incomplete; upload the file again.")
    try:
        payload = signing.loads(form.cleaned_data["payload"], salt=PAYLOAD_SALT, max_age=PREVIEW_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise ValidationFailed("The preview has expired; upload the file again.") from None
    except signing.BadSignature:
        raise ValidationFailed("The preview could not be verified (it was changed); upload the file again.") from None
    expected = (spec.kind, scope.pk, request.user.pk)
    if not isinstance(payload, dict) or (payload.get("kind"), payload.get("scope"), payload.get("user")) != expected:
        raise ValidationFailed("This preview was made for another import; upload the file again.")
    payload["skip_invalid"] = form.cleaned_data["skip_invalid"]
    return payload


def _confirm(request: HttpRequest, spec: ImportSpec, scope: Any) -> HttpResponse:
    try:
        payload = _read_payload(request, spec, scope)
    except ValidationFailed as exc:
        return _upload_page(request, spec, scope, status=400, error=exc.message)
    try:
        result = import_confirm(
            spec,
            actor=request.user,
            scope=scope,
            data=payload["csv"],
            skip_invalid=bool(payload["skip_invalid"]),
            preview_token=payload["nonce"],
            previewed_error_lines=payload["errors"],
            inputs=payload.get("inputs") or {},
        )
    except DomainError as exc:
        return _upload_page(request, spec, scope, status=exc.status_code, error=exc.message)
    if result.changed_since_preview or not result.committed:
        # Show the rows as they are judged now; the user decides again on a fresh preview.
        inputs = payload.get("inputs") or {}
        fresh = import_csv(spec, actor=request.user, scope=scope, data=payload["csv"], commit=False, inputs=inputs)
        if fresh.file_error:
            return _upload_page(request, spec, scope, status=409, error=fresh.file_error)
        payload = {**payload, "nonce": secrets.token_hex(16), "errors": sorted(e.line for e in fresh.errors)}
        payload.pop("skip_invalid", None)
        return _preview_page(request, spec, scope, fresh, payload, changed=True, status=409)
    context = _context(spec, scope, outcome=result, file_name=payload["name"])
    return render(request, "metrics/imports/done.html", context)
