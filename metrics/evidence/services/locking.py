"""What every evidence write starts with: the project and review locked in ``gate_decide``'s order, and the
reason or note a person typed, trimmed and bounded."""

from __future__ import annotations

from lifecycle.models import GateReview, Project
from portal.exceptions import ValidationFailed

NOTE_MAX = 2000


def review_lock(review: GateReview) -> GateReview:
    """The review, locked after its project (the order ``gate_decide`` takes them in: no deadlock with it)."""
    project = Project.objects.select_for_update().get(pk=review.project_id)
    locked = GateReview.objects.select_for_update().get(pk=review.pk)
    locked.project = project
    return locked


def clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"A note has at most {NOTE_MAX} characters.", details={"note": "Too long."})
    return note
