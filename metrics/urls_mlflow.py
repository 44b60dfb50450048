"""Pages of the metrics app: mlflow."""

urlpatterns: list = []
