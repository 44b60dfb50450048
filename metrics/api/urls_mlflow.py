"""API routes of the metrics app: mlflow (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
