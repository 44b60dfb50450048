"""What every page's navigation bar and the role homes read of the inbox, computed only if a template asks.

``inbox_waiting``: the count of rows (one COUNT query, for the badge). ``inbox_preview``: the first rows and the
count per kind, for the "Waiting for you" card of the homes (one query per kind). Both are lazy: a page that
shows neither costs nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from collaboration.inbox.choices import InboxKind
from collaboration.inbox.selectors import InboxRow, inbox_count, inbox_rows

PREVIEW_ROWS = 5


@dataclass(frozen=True)
class InboxPreview:
    total: int
    rows: list[InboxRow]
    per_kind: dict[str, int]

    @property
    def decisions(self) -> int:
        return self.per_kind.get(InboxKind.DECISION.value, 0)

    @property
    def votes(self) -> int:
        return self.per_kind.get(InboxKind.VOTE.value, 0)


def inbox_preview(user: Any) -> InboxPreview:
    """The first rows, overdue ones first whatever their kind, and the count of each kind."""
    rows = inbox_rows(user)
    first = sorted(rows, key=lambda row: not row.overdue)[:PREVIEW_ROWS]
    return InboxPreview(total=len(rows), rows=first, per_kind=dict(Counter(row.kind.value for row in rows)))


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "inbox_waiting": SimpleLazyObject(lambda: inbox_count(user)),
        "inbox_preview": SimpleLazyObject(lambda: inbox_preview(user)),
    }
