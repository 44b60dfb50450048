"""Dashboard pages: portfolio health, one project (with its delivery and product sections), a team, a product."""

from django.urls import path

from metrics.dashboards.views import portfolio, product, scrum

urlpatterns = [
    path("dashboards/portfolio/", portfolio.portfolio_dashboard, name="dashboard-portfolio"),
    path("projects/<int:pk>/dashboard/", portfolio.project_dashboard, name="dashboard-project"),
    path("projects/<int:pk>/dashboard/delivery/", scrum.project_delivery_fragment, name="project-delivery-fragment"),
    path("projects/<int:pk>/dashboard/product/", product.project_product_fragment, name="project-product-fragment"),
    path("teams/<int:pk>/", scrum.team_dashboard, name="team-dashboard"),
    path("products/<int:pk>/", product.product_dashboard, name="product-dashboard"),
]
