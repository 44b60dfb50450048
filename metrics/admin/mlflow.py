"""Admin for mlflow models."""
