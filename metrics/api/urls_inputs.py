"""API routes of the metrics app: inputs (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
