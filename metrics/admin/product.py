"""Admin for product models."""
