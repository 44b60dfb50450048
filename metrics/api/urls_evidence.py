"""API routes of the metrics app: evidence (mounted under /api/v1/, namespace "api")."""

urlpatterns: list = []
