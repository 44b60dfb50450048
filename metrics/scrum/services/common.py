"""What every scrum service shares: who may write, the team lock, and input cleaning."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from lifecycle.services.audit import audit_write
from metrics.scrum.models import POINTS_DECIMALS, POINTS_DIGITS, Team
from portal.exceptions import NotAllowed, ValidationFailed
from portal.models import User
from portfolio.access import can_write_team

POINTS_STEP = Decimal(1).scaleb(-POINTS_DECIMALS)  # 0.1
POINTS_LIMIT = Decimal(10) ** (POINTS_DIGITS - POINTS_DECIMALS)  # 100000: what the column can hold


def require_team_writer(actor: User, team: Team) -> None:
    if not can_write_team(actor, team):
        raise NotAllowed("Only the portfolio's managers and the team's members can change this team's sprints.")


def lock_team(team: Team) -> Team:
    """Lock the team row. Every write to a team's sprints and items takes it first, so the change log and a
    sprint close are serialized: no change can land "before" a close that has already frozen the summary."""
    return Team.objects.select_for_update(of=("self",)).select_related("project").get(pk=team.pk)


def moment(at: datetime.datetime | None, name: str = "at") -> datetime.datetime:
    """``at`` (for imports and back-filled history) or now; aware, and never in the future."""
    now = timezone.now()
    if at is None:
        return now
    if not isinstance(at, datetime.datetime):
        raise ValidationFailed(f"'{name}' must be a date and time.", details={name: "Not a date and time."})
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now:
        raise ValidationFailed("A change cannot be recorded in the future.", details={name: "In the future."})
    return at


def clean_points(value: Any) -> Decimal | None:
    """Story points: None (unestimated) or a number >= 0 with at most one decimal."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed("Story points must be a number.", details={"points": "Not a number."})
    try:
        points = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed("Story points must be a number.", details={"points": "Not a number."}) from None
    if not points.is_finite():
        raise ValidationFailed("Story points must be a number.", details={"points": "Not a number."})
    if points < 0:
        raise ValidationFailed("Story points cannot be negative.", details={"points": "Negative."})
    if points >= POINTS_LIMIT:
        raise ValidationFailed(f"Story points must be below {POINTS_LIMIT}.", details={"points": "Too large."})
    if points != points.quantize(POINTS_STEP):
        raise ValidationFailed("Story points take at most one decimal (e.g. 0.5).", details={"points": "Too precise."})
    return points.quantize(POINTS_STEP)


def clean_text(value: Any, name: str, label: str, max_length: int) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationFailed(f"{label} is required.", details={name: "Required."})
    if len(text) > max_length:
        raise ValidationFailed(f"{label} is longer than {max_length} characters.", details={name: "Too long."})
    return text


def audit_team(*, actor: User, team: Team, action: str, target: Any, before: Any = None, after: Any = None,
               reason: str = "") -> None:  # fmt: skip
    """Audit a scrum change, filed under the team's project when it has one."""
    audit_write(
        actor=actor, action=action, target=target, project=team.project, before=before, after=after, reason=reason
    )
