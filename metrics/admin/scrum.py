"""Admin for scrum models."""
