"""API routes of the metrics app: inputs and CSV imports (mounted under /api/v1/, namespace "api").

Milestones are charter rows: they are read and edited through the charter (projects/{id}/charter/).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from metrics.imports.api.views import ImportViewSet
from metrics.portfolio_inputs.api import views as portfolio
from metrics.product.api import views as product
from metrics.scrum.api import views as scrum

router = SimpleRouter()
# One row by id (corrections, state changes); lists and creates of project inputs are under the project.
router.register("cost-entries", portfolio.CostEntryViewSet, basename="cost-entry")
router.register("risks", portfolio.RiskViewSet, basename="risk")
router.register("issues", portfolio.IssueViewSet, basename="issue")
router.register("benefits", portfolio.BenefitViewSet, basename="benefit")
router.register("capacities", portfolio.CapacityViewSet, basename="capacity")
# Scrum and product rows belong to a team or a product: flat collections, filtered by it.
router.register("teams", scrum.TeamViewSet, basename="team")
router.register("sprints", scrum.SprintViewSet, basename="sprint")
router.register("work-items", scrum.WorkItemViewSet, basename="work-item")
router.register("retro-actions", scrum.RetroActionViewSet, basename="retro-action")
router.register("mood-votes", scrum.MoodVoteViewSet, basename="mood-vote")
router.register("products", product.ProductViewSet, basename="product")
router.register("customers", product.CustomerViewSet, basename="customer")
router.register("orders", product.OrderViewSet, basename="order")
router.register("marketing-spend", product.MarketingSpendViewSet, basename="marketing-spend")
router.register("survey-responses", product.SurveyResponseViewSet, basename="survey-response")

LIST_CREATE = {"get": "list", "post": "create"}
PROJECT = "projects/<int:project_pk>/"
project_routes = [
    path(f"{PROJECT}budget-periods/", portfolio.BudgetPeriodViewSet.as_view(LIST_CREATE), name="budget-period-list"),
    path(
        f"{PROJECT}cost-entries/", portfolio.ProjectCostEntryViewSet.as_view(LIST_CREATE), name="project-cost-entries"
    ),
    path(f"{PROJECT}allocations/", portfolio.AllocationViewSet.as_view(LIST_CREATE), name="allocation-list"),
    path(f"{PROJECT}time-entries/", portfolio.TimeEntryViewSet.as_view(LIST_CREATE), name="time-entry-list"),
    path(f"{PROJECT}status-reports/", portfolio.StatusReportViewSet.as_view(LIST_CREATE), name="status-report-list"),
    path(f"{PROJECT}risks/", portfolio.ProjectRiskViewSet.as_view(LIST_CREATE), name="project-risks"),
    path(f"{PROJECT}issues/", portfolio.ProjectIssueViewSet.as_view(LIST_CREATE), name="project-issues"),
    path(f"{PROJECT}benefits/", portfolio.ProjectBenefitViewSet.as_view(LIST_CREATE), name="project-benefits"),
    path("products/<int:product_pk>/events/", product.ProductEventViewSet.as_view(LIST_CREATE), name="product-events"),
]

import_routes = [
    path("imports/", ImportViewSet.as_view({"get": "list"}), name="import-list"),
    path("imports/<kind>/", ImportViewSet.as_view({"get": "retrieve", "post": "upload"}), name="import-detail"),
]

urlpatterns = [*router.urls, *project_routes, *import_routes]
