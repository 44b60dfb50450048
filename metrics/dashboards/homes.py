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

from lifecycle.choices import GateReviewStatus, Phase, ProjectState, RaciRole
from lifecycle.models import GateReview, Project, RaciAssignment
from lifecycle.selectors import projects_visible_to
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
    """The projects a manager leads and those of them due a status report. What the manager owes (decisions,
    votes, conditions, alerts, evidence) is their inbox, shown at the top of every home (collaboration.inbox)."""

    projects: list[Project]
    reports_due: list[Project] = field(default_factory=list)


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
    report_cutoff = today - datetime.timedelta(days=STATUS_REPORT_DUE_DAYS)
    return ManagerHome(
        projects=projects, reports_due=[project for project in projects if _report_due(project, report_cutoff)]
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
