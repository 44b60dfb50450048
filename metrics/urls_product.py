"""Pages of the metrics app: product."""

urlpatterns: list = []
