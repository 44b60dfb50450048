"""CSV import of metric inputs: every row goes through the same service as the form and the API.

A preview runs the whole file through the services inside a transaction that is always rolled back, and
collects one message per bad row (``ValidationFailed`` details, or the refusal's message). An import runs it
again for real in one transaction: with any bad row it writes nothing unless the user chose to skip bad rows,
in which case each row runs in its own savepoint and only the bad ones are left out. Rules therefore live in
one place (the services), and a refused import changes nothing: audit records and compute requests of the
rolled-back rows go with them.

Each kind of input is an ``ImportSpec`` registered under a slug (``IMPORT_SPECS``); the upload/preview pages
and the API's bulk endpoint are generic over it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction

from portal.exceptions import DomainError, TransitionNotAllowed, ValidationFailed
from portal.models import User

Rows = list[tuple[int, dict[str, str]]]  # (line in the file, cells by column name)
MAX_IMPORT_ROWS = 50_000
#: Audit action of a confirmed import (one record per file, beside the records of its rows).
IMPORT_AUDIT_ACTION = "csv_import.confirm"


def import_max_bytes() -> int:
    """Largest file the import pages accept. Half the request body limit by default, so that the signed copy
    of the file carried from the preview to the confirmation (base64 of compressed text) always fits."""
    return int(getattr(settings, "METRICS_IMPORT_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2))


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    help: str = ""
    example: str = ""
    #: Other header names of the column (a tracker's own export), matched case-insensitively like ``name``.
    aliases: tuple[str, ...] = ()
    #: The header may repeat it (Jira writes one ``Sprint`` column per sprint): every non-empty cell is kept,
    #: in file order, as a JSON list under ``list_key(name)``; the cell itself holds them joined by ", ".
    repeats: bool = False


def list_key(name: str) -> str:
    return f"__list:{name}"  # where a row keeps a repeated column's cells (hidden like every "__" key)


@dataclass(frozen=True)
class MissingInput:
    """What the file does not say and the importer must: e.g. the dates of a new sprint (group "sprint_dates")."""

    group: str
    name: str
    fields: tuple[str, ...] = ("start", "end")


class InputsMissing(ValidationFailed):
    """Raised by ``ImportSpec.prepare``: the listed inputs are needed. Nothing is applied."""

    def __init__(self, message: str, *, missing: list[MissingInput]) -> None:
        details: dict[str, dict[str, str]] = {}
        for need in missing:
            details.setdefault(need.group, {})[need.name] = "Needed: " + " and ".join(need.fields) + "."
        super().__init__(message, details=details)
        self.missing = missing


@dataclass(frozen=True)
class RowError:
    line: int  # line number in the file (the header is line 1)
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    total: int = 0
    imported: int = 0
    skipped: int = 0
    left_out: int = 0  # rows the spec does not import by design (e.g. Jira epics), never errors
    left_out_note: str = ""  # why, for the preview and the API
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)  # row errors
    file_error: str = ""  # the file as a whole is unreadable (encoding, header)
    changed_since_preview: bool = False  # import_confirm: rows judged differently than in the preview
    missing: list[MissingInput] = field(default_factory=list)  # inputs to ask for (file_error says which)

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.errors


class ImportSpec:
    """One kind of input. Subclasses set the class attributes and implement ``import_row``.

    ``scope_model`` is what the import is attached to (a Project, a Team, a Product); ``check_scope`` raises
    ``NotAllowed`` for a user who may not write there, before any row is read.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    scope_model: ClassVar[type]
    columns: ClassVar[tuple[Column, ...]]
    description: ClassVar[str] = ""

    def check_scope(self, actor: User, scope: Any) -> None:
        raise NotImplementedError

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        """Write one row through a service; raise ValidationFailed (or another DomainError) to refuse it."""
        raise NotImplementedError

    def ordered(self, rows: Rows) -> Rows:
        """Rows in the order they must be applied (e.g. oldest first); file order by default."""
        return rows

    def leave_out(self, rows: Rows) -> tuple[Rows, str]:
        """The rows this kind imports and, when some are left out by design (not errors), why."""
        return rows, ""

    def prepare(self, scope: Any, rows: Rows, inputs: dict[str, Any]) -> Rows:
        """The rows to apply, given the importer's extra ``inputs`` (what the file cannot say, e.g. sprint
        dates). Reads only. Raise ``InputsMissing`` to ask for inputs, ValidationFailed for bad ones."""
        return self.ordered(rows)

    def after_rows(self, actor: User, scope: Any, rows: Rows) -> None:
        """Writes that follow the rows, in the same transaction (e.g. start and close the file's sprints once
        their items exist). A DomainError refuses the whole file."""

    def visible_scopes(self, user: Any) -> models.QuerySet:
        """The scopes ``user`` may see (others are "not found"). Rules come from ``portfolio.access`` only.

        Projects and portfolios directly; any other scope through its ``portfolio`` or ``project`` foreign
        key. A spec whose scope reaches its portfolio another way overrides this.
        """
        from lifecycle.models import Project
        from lifecycle.selectors import projects_visible_to
        from portfolio.access import portfolios_visible_to
        from portfolio.models import Portfolio

        model: Any = self.scope_model
        if issubclass(model, Project):
            return projects_visible_to(user)
        if issubclass(model, Portfolio):
            return portfolios_visible_to(user)
        names = {f.name for f in model._meta.get_fields()}
        if "portfolio" in names:
            return model._default_manager.filter(portfolio__in=portfolios_visible_to(user).values("pk"))
        if "project" in names:
            return model._default_manager.filter(project__in=projects_visible_to(user).values("pk"))
        raise NotImplementedError(f"{type(self).__name__} must say which {model.__name__} rows a user may see.")

    def scope_label(self, scope: Any) -> str:
        """How the import page names the scope (a project's ``str`` is its code and name)."""
        return str(scope)

    def scope_url(self, scope: Any) -> str:
        """Where the user goes after an import (the page listing these rows); "" when there is none."""
        get_url = getattr(scope, "get_absolute_url", None)
        return get_url() if callable(get_url) else ""

    def example_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([c.name for c in self.columns])
        writer.writerow([c.example for c in self.columns])
        return out.getvalue()


IMPORT_SPECS: dict[str, ImportSpec] = {}


def register_import(spec_class: type[ImportSpec]) -> type[ImportSpec]:
    if spec_class.kind in IMPORT_SPECS:  # pragma: no cover - programming error
        raise RuntimeError(f"two import specs named {spec_class.kind}")
    IMPORT_SPECS[spec_class.kind] = spec_class()
    return spec_class


def import_specs() -> dict[str, ImportSpec]:
    """Every registered spec, by kind. The areas register theirs when the metrics app starts (``MetricsConfig``)."""
    return IMPORT_SPECS


def import_spec(kind: str) -> ImportSpec | None:
    """The registered spec of ``kind``, or None when there is no such import."""
    return IMPORT_SPECS.get(kind)


class _Rollback(Exception):
    """Raised inside the import transaction to undo it (previews, and imports with refused rows)."""


def decode_csv(data: bytes | str) -> str:
    """The file as text (UTF-8, with or without BOM); ValidationFailed with a readable message otherwise."""
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            f"The file is not UTF-8 text (byte {exc.start} cannot be read). Save it as CSV UTF-8 and try again."
        ) from exc


def read_rows(spec: ImportSpec, data: bytes | str) -> Rows:
    """Parse the CSV: header checked against the spec's columns; cells stripped; blank lines ignored."""
    text = decode_csv(data)
    if len(text.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 4:
        raise ValidationFailed("The file is too large to import at once; split it into smaller files.")
    try:  # only the delimiter is guessed: the sniffer misreads "" inside quoted cells (Jira's descriptions)
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ValidationFailed("The file is empty: it needs a header row and at least one data row.") from None
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not valid CSV: {exc}.") from exc
    names = [h.strip().lower() for h in header]
    positions = _column_positions(spec, names)
    rows: Rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ValidationFailed(f"The file has more than {MAX_IMPORT_ROWS:,} rows; split it into smaller files.")
            row = _row_cells(spec, positions, cells)
            if len(cells) > len(names):
                row["__extra__"] = "x"  # more cells than header columns: reported as a row error
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not valid CSV near line {reader.line_num}: {exc}.") from exc
    if not rows:
        raise ValidationFailed("The file has a header but no data rows.")
    return rows


def _column_positions(spec: ImportSpec, names: list[str]) -> dict[str, list[int]]:
    """Each spec column's positions in the header (by name or alias); unknown columns are ignored."""
    positions: dict[str, list[int]] = {}
    for column in spec.columns:
        accepted = {column.name.lower(), *(alias.lower() for alias in column.aliases)}
        if found := [index for index, name in enumerate(names) if name in accepted]:
            positions[column.name] = found
    missing = [c.name for c in spec.columns if c.required and c.name not in positions]
    if missing:
        expected = ", ".join(c.name for c in spec.columns)
        raise ValidationFailed(
            f"Missing column(s): {', '.join(missing)}. Expected: {expected}.", details={"columns": missing}
        )
    single = [names[i] for c in spec.columns if not c.repeats for i in positions.get(c.name, [])]
    if duplicated := sorted({name for name in single if single.count(name) > 1}):
        raise ValidationFailed(f"Column(s) appear twice: {', '.join(duplicated)}.")
    return positions


def _row_cells(spec: ImportSpec, positions: dict[str, list[int]], cells: list[str]) -> dict[str, str]:
    """One row's values by column: the first non-empty of a column's aliases; all of a repeated column's."""
    row: dict[str, str] = {}
    for column in spec.columns:
        values = [cells[i].strip() for i in positions.get(column.name, []) if i < len(cells) and cells[i].strip()]
        if column.repeats:
            row[column.name], row[list_key(column.name)] = ", ".join(values), json.dumps(values)
        elif column.name in positions:
            row[column.name] = values[0] if values else ""
    return row


def _row_error(line: int, row: dict[str, str], exc: DomainError) -> RowError:
    details = exc.details if isinstance(exc.details, dict) else {}
    return RowError(
        line=line,
        message=str(exc),
        fields={str(k): str(v) for k, v in details.items()},
        values={k: v for k, v in row.items() if not k.startswith("__")},
    )


def _apply(spec: ImportSpec, actor: User, scope: Any, rows: Rows, result: ImportResult) -> None:
    for line, row in rows:
        try:
            with transaction.atomic():  # savepoint per row: a refused row leaves nothing behind
                if "__extra__" in row:
                    raise ValidationFailed("This row has more cells than the header has columns.")
                spec.import_row(actor, scope, row)
        except DomainError as exc:
            result.errors.append(_row_error(line, row, exc))
        else:
            result.imported += 1


def import_csv(
    spec: ImportSpec,
    *,
    actor: User,
    scope: Any,
    data: bytes | str,
    commit: bool,
    skip_invalid: bool = False,
    inputs: dict[str, Any] | None = None,
) -> ImportResult:
    """Preview (``commit=False``) or import a CSV. Never writes anything unless the result says committed.
    ``inputs``: what the importer adds to the file (``ImportSpec.prepare``); those still needed are ``missing``."""
    result = ImportResult()
    spec.check_scope(actor, scope)
    try:
        read = read_rows(spec, data)
        kept, result.left_out_note = spec.leave_out(read)
        result.left_out = len(read) - len(kept)
        rows = spec.prepare(scope, kept, inputs or {})
    except ValidationFailed as exc:
        result.file_error = str(exc)
        result.missing = list(exc.missing) if isinstance(exc, InputsMissing) else []
        return result
    result.total = len(rows) + result.left_out
    try:
        with transaction.atomic():
            _apply(spec, actor, scope, rows, result)
            _finish(spec, actor, scope, rows, result)
            if result.file_error or not commit or (result.errors and not skip_invalid):
                raise _Rollback
    except _Rollback:
        result.committed = False
        if (commit and not skip_invalid) or result.file_error:
            result.imported = 0
        if not commit:
            result.skipped = len(result.errors)
        return result
    result.committed = True
    result.skipped = len(result.errors)
    return result


def _finish(spec: ImportSpec, actor: User, scope: Any, rows: Rows, result: ImportResult) -> None:
    try:
        with transaction.atomic():
            spec.after_rows(actor, scope, rows)
    except DomainError as exc:
        result.file_error = str(exc)


def _scope_project(scope: Any) -> Any:
    from lifecycle.models import Project

    return scope if isinstance(scope, Project) else getattr(scope, "project", None)


def import_confirm(
    spec: ImportSpec,
    *,
    actor: User,
    scope: Any,
    data: bytes | str,
    skip_invalid: bool,
    preview_token: str,
    previewed_error_lines: Iterable[int],
    inputs: dict[str, Any] | None = None,
) -> ImportResult:
    """Import a file the user has previewed, exactly as previewed, once.

    The rows are run again (the data may have changed since the preview). If the refused rows are not the
    ones the preview listed, nothing is written and ``changed_since_preview`` is set, so the user sees the new
    preview before deciding. A preview already imported is refused (``TransitionNotAllowed``): a re-sent
    confirmation cannot import the file twice. The import leaves one audit record naming the file's rows.
    """
    from lifecycle.models import AuditRecord
    from lifecycle.services.audit import audit_write

    expected = sorted(previewed_error_lines)
    target_type = scope._meta.label_lower
    with transaction.atomic():
        # Serializes confirmations on the scope, so the "already imported" check cannot race.
        type(scope)._default_manager.select_for_update().filter(pk=scope.pk).first()
        done = AuditRecord.objects.filter(
            action=IMPORT_AUDIT_ACTION, target_type=target_type, target_id=str(scope.pk), after__preview=preview_token
        )
        if done.exists():
            raise TransitionNotAllowed("This preview was already imported; upload the file again to import it again.")
        result = import_csv(
            spec, actor=actor, scope=scope, data=data, commit=True, skip_invalid=skip_invalid, inputs=inputs
        )
        lines = sorted(error.line for error in result.errors)
        if lines != expected or result.file_error:
            transaction.set_rollback(True)
            result.committed, result.imported, result.changed_since_preview = False, 0, True
            result.skipped = len(result.errors)
            return result
        if result.committed:
            after = {"kind": spec.kind, "rows": result.total, "imported": result.imported, "skipped_lines": lines}
            after["preview"] = preview_token
            project = _scope_project(scope)
            audit_write(actor=actor, action=IMPORT_AUDIT_ACTION, target=scope, project=project, after=after)
    return result
