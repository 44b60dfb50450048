"""What one person owes, read from the rows that already say so; the inbox has no table of its own.

- a decision: they are the Accountable of the gate activity of an open review (``lifecycle.services.gates``);
- a vote: they are Consulted on an open review and have not voted;
- evidence asked of them on an open review (``metrics.evidence`` EvidenceRequest, open);
- a condition or rework item they own, not completed (due within DUE_SOON_DAYS: due soon; past due: overdue);
- a model alert they own that is not resolved.

A row leaves the inbox when the service that does the work changes the row it is read from: nothing to mark.
Everything is scoped by ``projects_visible_to``: a person who leaves a portfolio owes it nothing. Reading the rows
takes one query per kind; counting them all takes one query (``inbox_count``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from collaboration.inbox.choices import InboxKind
from lifecycle.catalog import phase_definition
from lifecycle.choices import GateReviewStatus, RaciRole
from lifecycle.models import GateAction, GateReview, GateVote, RaciAssignment
from lifecycle.selectors import projects_visible_to
from metrics.deployments.choices import AlertState
from metrics.deployments.models import ModelAlert
from metrics.evidence.choices import EvidenceRequestStatus
from metrics.evidence.models import EvidenceRequest
from portfolio.access import AnyUser

DUE_SOON_DAYS = 7  # a condition due within a week is flagged "due soon"
TITLE_MAX = 120


@dataclass(frozen=True)
class InboxRow:
    """One thing a person owes: what, on which project, where it is done, since when, and by when."""

    kind: InboxKind
    object_id: int
    project_id: int
    project_code: str
    project_name: str
    title: str
    url: str
    since: datetime.datetime
    due_date: datetime.date | None = None
    overdue: bool = False
    due_soon: bool = False

    @property
    def id(self) -> str:
        """Stable across kinds: "decision-12" is review 12, "alert-12" is alert 12."""
        return f"{self.kind.value}-{self.object_id}"

    @property
    def kind_label(self) -> str:
        return str(self.kind.label)

    @property
    def waiting_days(self) -> int:
        """Whole days since it became theirs (0 on the day itself)."""
        return max(0, (timezone.now() - self.since).days)


@dataclass(frozen=True)
class InboxGroup:
    kind: InboxKind
    rows: list[InboxRow]

    @property
    def label(self) -> str:
        return str(self.kind.label)


# --- what each kind reads --------------------------------------------------------------------------------------


def _gate_role(user: AnyUser, role: str) -> Exists:
    """The user holds ``role`` on the gate activity of the review's phase (the RACI of its project)."""
    return Exists(
        RaciAssignment.objects.filter(
            activity__project=OuterRef("project"),
            activity__phase=OuterRef("phase"),
            activity__is_gate=True,
            user=user.pk,
            role=role,
        )
    )


def _open_reviews(user: AnyUser) -> QuerySet[GateReview]:
    return GateReview.objects.filter(status=GateReviewStatus.OPEN, project__in=projects_visible_to(user))


def decisions_owed(user: AnyUser) -> QuerySet[GateReview]:
    return _open_reviews(user).filter(_gate_role(user, RaciRole.ACCOUNTABLE))


def votes_owed(user: AnyUser) -> QuerySet[GateReview]:
    voted = GateVote.objects.filter(review=OuterRef("pk"), voter=user.pk)
    return _open_reviews(user).filter(_gate_role(user, RaciRole.CONSULTED)).exclude(Exists(voted))


def evidence_owed(user: AnyUser) -> QuerySet[EvidenceRequest]:
    return EvidenceRequest.objects.filter(
        asked=user.pk,
        status=EvidenceRequestStatus.OPEN,
        review__status=GateReviewStatus.OPEN,
        review__project__in=projects_visible_to(user),
    )


def actions_owed(user: AnyUser) -> QuerySet[GateAction]:
    return GateAction.objects.filter(
        owner=user.pk, completed_at__isnull=True, review__project__in=projects_visible_to(user)
    )


def alerts_owed(user: AnyUser) -> QuerySet[ModelAlert]:
    return ModelAlert.objects.filter(owner=user.pk, deployed_model__project__in=projects_visible_to(user)).exclude(
        state=AlertState.RESOLVED
    )


def inbox_count(user: AnyUser) -> int:
    """How many rows the inbox holds, in one query (the navigation bar's badge on every page)."""
    if not user.is_authenticated:
        return 0
    ids = [queryset.order_by().values_list("pk") for queryset in _querysets(user).values()]
    return ids[0].union(*ids[1:], all=True).count()


def _querysets(user: AnyUser) -> dict[InboxKind, QuerySet[Any]]:
    return {
        InboxKind.DECISION: decisions_owed(user),
        InboxKind.VOTE: votes_owed(user),
        InboxKind.EVIDENCE: evidence_owed(user),
        InboxKind.ACTION: actions_owed(user),
        InboxKind.ALERT: alerts_owed(user),
    }


# --- rows ------------------------------------------------------------------------------------------------------


def _due_flags(due: datetime.date | None, today: datetime.date) -> dict[str, Any]:
    if due is None:
        return {"due_date": None}
    return {
        "due_date": due,
        "overdue": due < today,
        "due_soon": today <= due <= today + datetime.timedelta(days=DUE_SOON_DAYS),
    }


def _project(project: Any) -> dict[str, Any]:
    return {"project_id": project.pk, "project_code": project.code, "project_name": project.name}


def _review_rows(kind: InboxKind, verb: str, url_name: str) -> Callable[[QuerySet[GateReview], datetime.date], list]:
    """Rows of open reviews the person owes something on: ``verb`` the gate, done on the page ``url_name``."""

    def rows(queryset: QuerySet[GateReview], today: datetime.date) -> list[InboxRow]:
        return [
            InboxRow(
                kind=kind,
                object_id=review.pk,
                title=f"{verb} the {phase_definition(review.phase).gate_name} gate",
                url=reverse(url_name, args=[review.pk]),
                since=review.requested_at,
                **_project(review.project),
            )
            for review in queryset.select_related("project")
        ]

    return rows


def _evidence_rows(queryset: QuerySet[EvidenceRequest], today: datetime.date) -> list[InboxRow]:
    rows = []
    for asked in queryset.select_related("review__project", "requested_by"):
        gate = phase_definition(asked.review.phase).gate_name
        who = asked.requested_by.get_full_name() or asked.requested_by.username
        note = f": {asked.note}" if asked.note else ""
        rows.append(
            InboxRow(
                kind=InboxKind.EVIDENCE,
                object_id=asked.pk,
                title=f"Evidence for the {gate} gate, asked by {who}{note}"[:TITLE_MAX],
                url=reverse("evidence-review", args=[asked.review_id]),
                since=asked.requested_at,
                **_project(asked.review.project),
            )
        )
    return rows


def _action_rows(queryset: QuerySet[GateAction], today: datetime.date) -> list[InboxRow]:
    return [
        InboxRow(
            kind=InboxKind.ACTION,
            object_id=action.pk,
            title=f"{action.get_kind_display()}: {action.description}"[:TITLE_MAX],
            url=reverse("gate-review-detail", args=[action.review_id]) + f"#action-{action.pk}",
            since=action.review.decided_at or action.review.requested_at,
            **_due_flags(action.due_date, today),
            **_project(action.review.project),
        )
        for action in queryset.select_related("review__project")
    ]


def _alert_rows(queryset: QuerySet[ModelAlert], today: datetime.date) -> list[InboxRow]:
    return [
        InboxRow(
            kind=InboxKind.ALERT,
            object_id=alert.pk,
            title=f"{alert.deployed_model.name}: {alert} ({alert.get_state_display().lower()})"[:TITLE_MAX],
            url=reverse("project-deployed-models", args=[alert.deployed_model.project_id]) + "#alerts",
            since=alert.raised_at,
            **_due_flags(alert.due_date, today),
            **_project(alert.deployed_model.project),
        )
        for alert in queryset.select_related("deployed_model__project")
    ]


ROW_BUILDERS: dict[InboxKind, Callable[[Any, datetime.date], list[InboxRow]]] = {
    InboxKind.DECISION: _review_rows(InboxKind.DECISION, "Decide", "gate-decide"),
    InboxKind.VOTE: _review_rows(InboxKind.VOTE, "Vote on", "gate-review-detail"),
    InboxKind.EVIDENCE: _evidence_rows,
    InboxKind.ACTION: _action_rows,
    InboxKind.ALERT: _alert_rows,
}


def _urgency(row: InboxRow) -> tuple[bool, datetime.date, datetime.datetime]:
    """Overdue first, then by due date (none last), then the longest waiting."""
    return (not row.overdue, row.due_date or datetime.date.max, row.since)


def inbox_rows(user: AnyUser, kind: InboxKind | None = None, today: datetime.date | None = None) -> list[InboxRow]:
    """Every row the person owes (or those of one kind), grouped by kind in InboxKind's order, overdue first."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    rows: list[InboxRow] = []
    for row_kind, queryset in _querysets(user).items():
        if kind is None or kind == row_kind:
            rows += sorted(ROW_BUILDERS[row_kind](queryset, today), key=_urgency)
    return rows


def inbox_groups(rows: list[InboxRow]) -> list[InboxGroup]:
    """The rows by kind, in InboxKind's order; kinds without rows are left out."""
    return [
        InboxGroup(kind, [row for row in rows if row.kind == kind])
        for kind in InboxKind
        if any(row.kind == kind for row in rows)
    ]
