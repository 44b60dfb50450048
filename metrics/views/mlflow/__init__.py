"""Pages of the MLflow area: a project's links and syncs (`links`), its deployed models (`deployments`)."""
