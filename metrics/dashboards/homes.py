"""Selectors of the role home pages: which home a person lands on, and what each home lists.

Every list is scoped by ``projects_visible_to`` (the one permission rule for reading projects) and read with a
fixed number of queries, whatever the number of projects.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import Enum

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from lifecycle.choices import GateActionKind, GateReviewStatus, Phase, ProjectState, RaciRole
from lifecycle.models import GateAction, GateReview, GateVote, Project, RaciAssignment
from lifecycle.selectors import projects_visible_to
from metrics.deployments.choices import AlertState
from metrics.deployments.models import ModelAlert
from metrics.mirror.models import ExperimentLink
from portal.models import User
from portfolio.choices import EXECUTIVE_ROLES, MANAGER_ROLES, Role
from portfolio.models import Membership

STATUS_REPORT_DUE_DAYS = 30  # a project whose latest status report is older than this needs one
EVIDENCE_PHASES = (Phase.MODELING, Phase.DEPLOYMENT)  # the gates decided on MLflow runs and models
OPEN_PROJECT_STATES = (ProjectState.ACTIVE, ProjectState.ON_HOLD)


class Home(Enum):
    """Where a person lands; the first role that matches wins (an executive who also manages sees health)."""

    PORTFOLIO_HEALTH = "executive"
    MANAGER = "manager"
    EVIDENCE = "evidence"
    PROJECT_LIST = "other"


def home_of(user: User) -> Home:
    roles = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if roles & EXECUTIVE_ROLES:
        return Home.PORTFOLIO_HEALTH
    if roles & MANAGER_ROLES:
        return Home.MANAGER
    if Role.DATA_SCIENTIST in roles:
        return Home.EVIDENCE
    return Home.PROJECT_LIST


# --- the manager's home -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManagerHome:
    projects: list[Project]
    votes_awaited: list[GateReview]
    decisions_awaited: list[GateReview]
    overdue_conditions: list[GateAction]
    open_alerts: list[ModelAlert]
    reports_due: list[Project] = field(default_factory=list)

    @property
    def pending_count(self) -> int:
        return (
            len(self.votes_awaited)
            + len(self.decisions_awaited)
            + len(self.overdue_conditions)
            + len(self.open_alerts)
            + len(self.reports_due)
        )


def _gate_role(user: User, role: str) -> Exists:
    """The user holds ``role`` on the gate activity of the review's phase (RACI of its project)."""
    return Exists(
        RaciAssignment.objects.filter(
            activity__project=OuterRef("project"),
            activity__phase=OuterRef("phase"),
            activity__is_gate=True,
            user=user,
            role=role,
        )
    )


def manager_projects(user: User) -> QuerySet[Project]:
    """Open projects the user owns or is Accountable or Responsible in, with their latest status report date."""
    leads = RaciAssignment.objects.filter(
        activity__project=OuterRef("pk"), user=user, role__in=[RaciRole.ACCOUNTABLE, RaciRole.RESPONSIBLE]
    )
    return (
        projects_visible_to(user)
        .filter(Q(owner=user) | Exists(leads), state__in=OPEN_PROJECT_STATES)
        .select_related("portfolio")
        .annotate(last_report=Max("status_reports__as_of"))
        .order_by("code")
    )


def manager_home(user: User, today: datetime.date | None = None) -> ManagerHome:
    today = today or timezone.localdate()
    projects = list(manager_projects(user))
    open_reviews = (
        GateReview.objects.filter(status=GateReviewStatus.OPEN, project__in=projects_visible_to(user))
        .select_related("project")
        .order_by("requested_at", "pk")
    )
    voted = GateVote.objects.filter(review=OuterRef("pk"), voter=user)
    report_cutoff = today - datetime.timedelta(days=STATUS_REPORT_DUE_DAYS)
    return ManagerHome(
        projects=projects,
        votes_awaited=list(open_reviews.filter(_gate_role(user, RaciRole.CONSULTED)).exclude(Exists(voted))),
        decisions_awaited=list(open_reviews.filter(_gate_role(user, RaciRole.ACCOUNTABLE))),
        overdue_conditions=list(
            GateAction.objects.filter(
                owner=user, kind=GateActionKind.CONDITION, completed_at__isnull=True, due_date__lt=today
            )
            .filter(review__project__in=projects_visible_to(user))
            .select_related("review__project")
            .order_by("due_date", "pk")
        ),
        open_alerts=list(
            ModelAlert.objects.filter(owner=user)
            .exclude(state=AlertState.RESOLVED)
            .filter(deployed_model__project__in=projects_visible_to(user))
            .select_related("deployed_model__project")
            .order_by("-raised_at", "pk")
        ),
        reports_due=[project for project in projects if _report_due(project, report_cutoff)],
    )


def _report_due(project: Project, cutoff: datetime.date) -> bool:
    last_report: datetime.date | None = getattr(project, "last_report", None)  # annotated by manager_projects
    return project.state == ProjectState.ACTIVE and (last_report is None or last_report < cutoff)


# --- the data scientist's home --------------------------------------------------------------------------------


def reviews_awaiting_evidence(user: User) -> list[GateReview]:
    """Open modeling and deployment gate reviews of the user's portfolios, those without MLflow evidence first.

    Each carries ``evidence_count`` (GateEvidence rows on the review) and ``has_experiments`` (the project links
    at least one MLflow experiment).
    """
    return list(
        GateReview.objects.filter(
            status=GateReviewStatus.OPEN, phase__in=EVIDENCE_PHASES, project__in=projects_visible_to(user)
        )
        .select_related("project", "project__portfolio")
        .annotate(
            evidence_count=Count("mlflow_evidence"),
            has_experiments=Exists(ExperimentLink.objects.filter(project=OuterRef("project"))),
        )
        .order_by("evidence_count", "requested_at", "pk")
    )
