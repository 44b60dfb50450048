"""API routes of the metrics app: snapshots (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
