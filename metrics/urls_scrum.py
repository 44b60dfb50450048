"""Pages of the metrics app: scrum."""

urlpatterns: list = []
