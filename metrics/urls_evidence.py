"""Pages of the metrics app: evidence."""

urlpatterns: list = []
