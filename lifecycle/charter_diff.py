"""Side-by-side differences between two charter snapshots (CharterVersion.content dicts).

Pure functions over plain data, no database: the versions page and the conflict view both
render what `charter_compare` returns. Section rows have no stable identity (a save replaces
them all), so rows are aligned on their first column (the metric, source, field or milestone
name) with a sequence matcher; an aligned pair whose cells differ is a changed row.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Labels in display order; kept here (not imported from the services) so this module stays pure.
FIELD_LABELS: dict[str, str] = {
    "objective": "Objective",
    "goal_type": "Goal type",
    "goal_description": "Goal",
    "model_users": "Users of the model",
    "business_process": "Business process",
    "acceptance_measure": "User acceptance measure",
    "expected_benefit": "Expected benefit",
    "expected_cost": "Expected cost",
}
SECTION_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "success_metrics": ("Success metrics", ("name", "definition", "baseline", "target", "unit", "due_date")),
    "data_sources": ("Data sources", ("name", "owner", "system", "is_ssot", "link")),
    "data_dictionary": ("Data dictionary", ("field", "data_type", "description", "source")),
    "milestones": ("Milestones", ("name", "due_date", "done")),
}
COLUMN_LABELS: dict[str, str] = {
    "name": "Name",
    "definition": "Definition",
    "baseline": "Baseline",
    "target": "Target",
    "unit": "Unit",
    "due_date": "Due",
    "owner": "Owner",
    "system": "System",
    "is_ssot": "SSOT",
    "link": "Link",
    "field": "Field",
    "data_type": "Type",
    "description": "Description",
    "source": "Source",
    "done": "Done",
}
# Decimal values arrive as strings in snapshots, at whatever precision they were given.
NUMERIC_NAMES = frozenset({"expected_benefit", "expected_cost", "baseline", "target"})
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# Text fields diffed line by line rather than as one value.
LONG_TEXT_FIELDS = frozenset({"objective", "goal_description", "model_users", "business_process", "acceptance_measure"})


@dataclass(frozen=True)
class LinePair:
    """One row of a side-by-side line diff; `tag` is equal, replace, delete or insert."""

    tag: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: Any
    new: Any
    lines: tuple[LinePair, ...] = ()

    @property
    def changed(self) -> bool:
        return not _same(self.name, self.old, self.new)

    @property
    def old_display(self) -> Any:
        return display_value(self.name, self.old)

    @property
    def new_display(self) -> Any:
        return display_value(self.name, self.new)


@dataclass(frozen=True)
class CellChange:
    column: str
    old: Any
    new: Any

    @property
    def changed(self) -> bool:
        return not _same(self.column, self.old, self.new)

    @property
    def old_display(self) -> Any:
        return display_value(self.column, self.old)

    @property
    def new_display(self) -> Any:
        return display_value(self.column, self.new)


@dataclass(frozen=True)
class RowChange:
    """`status` is added, removed, changed or same; `cells` pairs every column's old and new value."""

    status: str
    cells: tuple[CellChange, ...]


@dataclass(frozen=True)
class SectionChange:
    name: str
    label: str
    columns: tuple[str, ...]
    rows: tuple[RowChange, ...]

    @property
    def column_labels(self) -> list[str]:
        return [COLUMN_LABELS.get(column, column) for column in self.columns]

    @property
    def changed(self) -> bool:
        return any(row.status != "same" for row in self.rows)


@dataclass(frozen=True)
class CharterComparison:
    fields: tuple[FieldChange, ...]
    sections: tuple[SectionChange, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.fields) or any(s.changed for s in self.sections)

    @property
    def unchanged_labels(self) -> list[str]:
        return [f.label for f in self.fields if not f.changed]

    @property
    def changed_names(self) -> list[str]:
        return [f.name for f in self.fields if f.changed] + [s.name for s in self.sections if s.changed]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _comparable(name: str, value: Any) -> Any:
    """Empty is empty (missing, None, ""), and amounts compare by value ("1000" equals "1000.00")."""
    if value in (None, ""):
        return None
    if name in NUMERIC_NAMES and isinstance(value, str) and _NUMBER.fullmatch(value):
        return Decimal(value)
    return value


def _same(name: str, old: Any, new: Any) -> bool:
    return _comparable(name, old) == _comparable(name, new)


def display_value(name: str, value: Any) -> Any:
    """An amount without the stored trailing zeros ("4.5000" -> "4.5"); anything else as it is."""
    number = _comparable(name, value)
    if isinstance(number, Decimal):
        return format(number.normalize(), "f")
    return value


def text_line_diff(old: Any, new: Any) -> tuple[LinePair, ...]:
    """Align two texts line by line; replaced blocks are paired, their surplus lines stand alone."""
    old_lines, new_lines = _text(old).splitlines(), _text(new).splitlines()
    pairs: list[LinePair] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(LinePair("equal", line, line) for line in old_lines[i1:i2])
        elif tag == "delete":
            pairs.extend(LinePair("delete", line, None) for line in old_lines[i1:i2])
        elif tag == "insert":
            pairs.extend(LinePair("insert", None, line) for line in new_lines[j1:j2])
        else:
            olds, news = old_lines[i1:i2], new_lines[j1:j2]
            for index in range(max(len(olds), len(news))):
                left = olds[index] if index < len(olds) else None
                right = news[index] if index < len(news) else None
                if left is not None and right is not None:
                    pairs.append(LinePair("replace", left, right))
                else:
                    pairs.append(LinePair("delete" if right is None else "insert", left, right))
    return tuple(pairs)


def _row(columns: tuple[str, ...], old: dict[str, Any] | None, new: dict[str, Any] | None) -> RowChange:
    cells = tuple(CellChange(column, (old or {}).get(column), (new or {}).get(column)) for column in columns)
    if old is None:
        return RowChange("added", cells)
    if new is None:
        return RowChange("removed", cells)
    return RowChange("changed" if any(cell.changed for cell in cells) else "same", cells)


def section_rows_diff(
    columns: tuple[str, ...], old_rows: list[dict[str, Any]], new_rows: list[dict[str, Any]]
) -> tuple[RowChange, ...]:
    """Rows aligned on their first column; a replaced block pairs rows in order as changed rows."""
    key = columns[0]
    old_keys = [_text(row.get(key)).strip().casefold() for row in old_rows]
    new_keys = [_text(row.get(key)).strip().casefold() for row in new_rows]
    result: list[RowChange] = []
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = old_rows[i1:i2], new_rows[j1:j2]
        if tag in ("equal", "replace"):
            paired = min(len(olds), len(news))
            result.extend(_row(columns, olds[index], news[index]) for index in range(paired))
            olds, news = olds[paired:], news[paired:]
        result.extend(_row(columns, row, None) for row in olds)
        result.extend(_row(columns, None, row) for row in news)
    return tuple(result)


def field_diff(name: str, old: Any, new: Any) -> FieldChange:
    lines = text_line_diff(old, new) if name in LONG_TEXT_FIELDS and not _same(name, old, new) else ()
    return FieldChange(name=name, label=FIELD_LABELS.get(name, name), old=old, new=new, lines=lines)


def charter_compare(old: dict[str, Any], new: dict[str, Any]) -> CharterComparison:
    """Compare two snapshots; keys missing from one side count as empty."""
    fields = tuple(field_diff(name, old.get(name), new.get(name)) for name in FIELD_LABELS)
    sections = tuple(
        SectionChange(
            name=name,
            label=label,
            columns=columns,
            rows=section_rows_diff(columns, list(old.get(name) or []), list(new.get(name) or [])),
        )
        for name, (label, columns) in SECTION_COLUMNS.items()
    )
    return CharterComparison(fields=fields, sections=sections)
