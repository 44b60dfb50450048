"""Pages of the metrics app: dashboards (portfolio health, one project)."""

from django.urls import path

from metrics.dashboards import views as dashboards

urlpatterns = [
    path("dashboards/portfolio/", dashboards.portfolio_dashboard, name="dashboard-portfolio"),
    path("projects/<int:pk>/dashboard/", dashboards.project_dashboard, name="dashboard-project"),
]
