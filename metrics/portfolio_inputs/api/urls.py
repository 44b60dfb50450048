"""API routes of the portfolio inputs (mounted under /api/v1/, namespace "api").

Milestones are charter rows: they are read and edited through the charter (projects/{id}/charter/).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.portfolio_inputs.api import views

router = SimpleRouter()
# One row by id (corrections, state changes); lists and creates of project inputs are under the project.
router.register("cost-entries", views.CostEntryViewSet, basename="cost-entry")
router.register("risks", views.RiskViewSet, basename="risk")
router.register("issues", views.IssueViewSet, basename="issue")
router.register("benefits", views.BenefitViewSet, basename="benefit")
router.register("capacities", views.CapacityViewSet, basename="capacity")

LIST_CREATE = {"get": "list", "post": "create"}
PROJECT = "projects/<int:project_pk>/"

urlpatterns = [
    *router.urls,
    path(f"{PROJECT}budget-periods/", views.BudgetPeriodViewSet.as_view(LIST_CREATE), name="budget-period-list"),
    path(f"{PROJECT}cost-entries/", views.ProjectCostEntryViewSet.as_view(LIST_CREATE), name="project-cost-entries"),
    path(f"{PROJECT}allocations/", views.AllocationViewSet.as_view(LIST_CREATE), name="allocation-list"),
    path(f"{PROJECT}time-entries/", views.TimeEntryViewSet.as_view(LIST_CREATE), name="time-entry-list"),
    path(f"{PROJECT}status-reports/", views.StatusReportViewSet.as_view(LIST_CREATE), name="status-report-list"),
    path(f"{PROJECT}risks/", views.ProjectRiskViewSet.as_view(LIST_CREATE), name="project-risks"),
    path(f"{PROJECT}issues/", views.ProjectIssueViewSet.as_view(LIST_CREATE), name="project-issues"),
    path(f"{PROJECT}benefits/", views.ProjectBenefitViewSet.as_view(LIST_CREATE), name="project-benefits"),
    path(
        f"{PROJECT}rag-override/",
        views.RagOverrideViewSet.as_view({"post": "create", "delete": "destroy"}),
        name="project-rag-override",
    ),
]
