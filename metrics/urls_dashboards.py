"""Pages of the metrics app: dashboards."""

urlpatterns: list = []
