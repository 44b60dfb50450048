"""Dashboard pages: the role homes, portfolio health, one project (and its delivery and product sections),
a team, a product."""

from django.urls import path

from metrics.dashboards.views import homes, portfolio, product, scrum

urlpatterns = [
    path("", homes.home, name="home"),
    path("home/manager/", homes.home_manager, name="home-manager"),
    path("home/evidence/", homes.home_evidence, name="home-evidence"),
    path("dashboards/portfolio/", portfolio.portfolio_dashboard, name="dashboard-portfolio"),
    path("projects/<int:pk>/dashboard/", portfolio.project_dashboard, name="dashboard-project"),
    path("projects/<int:pk>/dashboard/delivery/", scrum.project_delivery_fragment, name="project-delivery-fragment"),
    path("projects/<int:pk>/dashboard/product/", product.project_product_fragment, name="project-product-fragment"),
    path("teams/<int:pk>/", scrum.team_dashboard, name="team-dashboard"),
    path("products/<int:pk>/", product.product_dashboard, name="product-dashboard"),
]
