"""Admin for portfolio models."""
