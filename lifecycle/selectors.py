"""Reads for pages and the API: constant query counts whatever the number of rows."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from lifecycle.choices import GateReviewStatus
from lifecycle.models import AuditRecord, GateReview, Project
from portal.models import User
from portfolio.access import AnyUser, member_portfolio_ids
from portfolio.models import Membership


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    """Projects of the user's portfolios (every one for a superuser): the one visibility rule of projects."""
    if not user.is_authenticated:
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.all()
    return Project.objects.filter(portfolio_id__in=member_portfolio_ids(user))


def project_list(user: User | AnonymousUser) -> QuerySet[Project]:
    """Projects the user may see, with everything a list row shows loaded in the same query."""
    return (
        projects_visible_to(user)
        .select_related("portfolio", "business_unit", "strategic_goal", "owner", "sponsor")
        # EXISTS, not COUNT over a join: no GROUP BY, so PostgreSQL can walk the code index and stop
        # at one page. At most one review is open per project (a unique constraint), so 0 or 1.
        .annotate(open_reviews=Exists(GateReview.objects.filter(project=OuterRef("pk"), status=GateReviewStatus.OPEN)))
        .order_by("code")
    )


def project_history(project: Project) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(project=project).select_related("actor").order_by("-at", "-id")


def project_history_people(project: Project) -> QuerySet[User]:
    """Whom the history may be filtered by: who acted on the project, and the members of its portfolio."""
    acted = AuditRecord.objects.filter(project=project, actor__isnull=False).values("actor_id")
    members = Membership.objects.filter(portfolio_id=project.portfolio_id).values("user_id")
    return User.objects.filter(Q(pk__in=acted) | Q(pk__in=members)).order_by("first_name", "last_name", "username")


def project_gate_reviews(project: Project) -> QuerySet[GateReview]:
    return (
        GateReview.objects.filter(project=project)
        .select_related("requested_by", "decided_by")
        .prefetch_related("votes__voter", "actions__owner")
        .order_by("-requested_at", "-id")
    )
