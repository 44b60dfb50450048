"""What the scrum CSV imports share: reading cells (dates in ISO or Jira's format), the team scope and its
permission, sprint lookup and time ordering. Not an import module itself (the leading underscore keeps the
import registry's loader away)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, ClassVar

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from metrics.imports.base import ImportSpec
from metrics.scrum.choices import mapping_rows
from metrics.scrum.models import Sprint, Team
from metrics.scrum.services.common import clean_points
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_write_team

Rows = list[tuple[int, dict[str, str]]]
#: Jira Server/Data Center's default (dd/MMM/yy h:mm a), Jira Cloud's (dd/MMM/yyyy h:mm a), 24-hour and date-only.
_JIRA_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %H:%M",
    "%d/%b/%y",
    "%d/%b/%Y",
)
DATE_HELP = "YYYY-MM-DD, YYYY-MM-DD HH:MM, or Jira's 03/Dec/26 2:15 PM or 03/Dec/2026 2:15 PM"


def describe(mapping: dict[str, str], labels: Any) -> str:
    return "; ".join(f"{target}: {sources}" for target, sources in mapping_rows(mapping, labels))


# --- reading cells ---------------------------------------------------------------------------------------------


def parse_moment(text: str, *, end_of_day: bool = False) -> datetime.datetime:
    """A date or date and time, aware (naive = the portal's time zone, settings.TIME_ZONE). ValueError when
    unreadable.

    A date alone is the start of that day, or its last moment with ``end_of_day``."""
    text = text.strip()
    moment: datetime.datetime | None = None
    date_only = False
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            moment, date_only = datetime.datetime.combine(day, datetime.time.min), True
        else:
            moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        for pattern in _JIRA_FORMATS:
            try:
                moment = datetime.datetime.strptime(text, pattern)
            except ValueError:
                continue
            date_only = "%M" not in pattern
            break
    if moment is None:
        raise ValueError(text)
    if date_only and end_of_day:
        moment = datetime.datetime.combine(moment.date(), datetime.time.max)
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Cells:
    """Reads one row's cells, collecting one message per bad column; ``check()`` raises them all at once."""

    def __init__(self, row: dict[str, str]) -> None:
        self.row = row
        self.errors: dict[str, str] = {}

    def text(self, name: str, *, required: bool = True, max_length: int = 300) -> str:
        value = self.row.get(name, "").strip()
        if required and not value:
            self.errors[name] = "Required."
        elif len(value) > max_length:
            self.errors[name] = f"At most {max_length} characters."
        return value

    def mapped(self, name: str, mapping: dict[str, str]) -> str:
        value = self.row.get(name, "").strip()
        if not value:
            self.errors[name] = "Required."
            return ""
        if value.lower() not in mapping:
            known = ", ".join(sorted({source.title() for source in mapping}))
            self.errors[name] = f"Unknown {name} '{value}'. Known: {known}."
            return ""
        return mapping[value.lower()]

    def points(self, name: str) -> Any:
        try:
            return clean_points(self.row.get(name, ""))
        except ValidationFailed as exc:
            self.errors[name] = exc.message
            return None

    def moment(
        self, name: str, *, required: bool = False, end_of_day: bool = False, future_ok: bool = False
    ) -> datetime.datetime | None:
        value = self.row.get(name, "").strip()
        if not value:
            if required:
                self.errors[name] = "Required: a date."
            return None
        try:
            moment = parse_moment(value, end_of_day=end_of_day)
        except ValueError:
            self.errors[name] = f"Not a date ({DATE_HELP}): {value!r}."
            return None
        if moment > timezone.now() and not (end_of_day or future_ok):
            self.errors[name] = "In the future."
        return moment

    def check(self) -> None:
        if len(self.errors) == 1:
            name, message = next(iter(self.errors.items()))
            raise ValidationFailed(f"{name}: {message}", details=dict(self.errors))
        if self.errors:
            raise ValidationFailed("Some cells are invalid: " + ", ".join(self.errors) + ".", details=dict(self.errors))


# --- shared by the team's specs ---------------------------------------------------------------------------------


class TeamImport(ImportSpec):
    scope_model: ClassVar[type] = Team

    def check_scope(self, actor: User, scope: Any) -> None:
        if not can_write_team(actor, scope):
            raise NotAllowed("Only the portfolio's managers and the team's members can import into this team.")

    def scope_label(self, scope: Any) -> str:
        return f"Team {scope.name}"

    def scope_url(self, scope: Any) -> str:
        try:
            return reverse("team-dashboard", kwargs={"pk": scope.pk})
        except NoReverseMatch:  # pragma: no cover - the scrum URLs are always installed
            return ""


def team_sprint(team: Team, name: str, column: str = "sprint") -> Sprint:
    sprint = Sprint.objects.filter(team=team, name=name).first()
    if sprint is None:
        raise ValidationFailed(f"The team has no sprint named '{name}'.", details={column: "Unknown sprint."})
    return sprint


def by_time(rows: Rows, key: Callable[[dict[str, str]], str]) -> Rows:
    """Oldest first by a date column (unreadable or empty dates keep file order, after the readable ones)."""

    def sort_key(entry: tuple[int, dict[str, str]]) -> tuple[int, datetime.datetime, int]:
        line, row = entry
        try:
            return (0, parse_moment(key(row)), line)
        except ValueError:
            return (1, datetime.datetime.min.replace(tzinfo=datetime.UTC), line)

    return sorted(rows, key=sort_key)
