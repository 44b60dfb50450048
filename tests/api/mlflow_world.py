"""Rows of the MLflow area for the API walkers (test_scoping, test_schema, test_mlflow_api): one of each kind,
no MLflow server needed. Kept out of test modules so any of them can import it without import cycles."""

from __future__ import annotations

from django.utils import timezone

from metrics.deployments.models import DeployedModel
from metrics.deployments.services import alerts
from metrics.deployments.services import deployed_models as deployments
from metrics.mirror.models import ExperimentLink, MlflowRun, RegisteredModelLink, RunMetricPoint, TrackingServer


def mlflow_world(project, people, server: TrackingServer | None = None) -> dict[str, int]:
    """One row of each of our kinds in the project's portfolio, with an open alert owned by its PM; no MLflow
    server is needed. tests/api/test_scoping.py and test_schema.py add these ids to their worlds."""
    server = server or TrackingServer.objects.create(
        name="offline", uri="http://127.0.0.1:9", timeout_s=1, max_retries=0, token_env="LAB_TOKEN"
    )
    link = ExperimentLink.objects.create(
        project=project, server=server, experiment_id="7", name="monitoring", key_metrics=["accuracy"]
    )
    model_link = RegisteredModelLink.objects.create(project=project, server=server, model_name="churn")
    run = MlflowRun.objects.create(
        server=server,
        experiment_id="7",
        run_id="monitor1",
        status="RUNNING",
        lifecycle_stage="active",
        start_time=timezone.now(),
        synced_at=timezone.now(),
        metrics={"accuracy": 0.8},
    )
    RunMetricPoint.objects.create(run=run, key="accuracy", step=0, timestamp=1_750_000_000_000, value=0.8)
    model = DeployedModel.objects.create(  # written directly: registering needs the deployment phase
        project=project,
        name="churn-prod",
        model_link=model_link,
        monitoring_link=link,
        deployed_at=timezone.now(),
        approved_at=timezone.now(),
    )
    deployments.production_threshold_set(
        actor=people["pm"], model=model, metric_key="accuracy", comparator=">=", threshold=0.9
    )
    (alert,) = alerts.deployed_model_evaluate(model.pk)
    return {
        "mlflow-servers": server.pk,
        "experiment-links": link.pk,
        "model-links": model_link.pk,
        "deployed-models": model.pk,
        "model-alerts": alert.pk,
    }
