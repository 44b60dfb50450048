"""Pages of the metrics app: MLflow links, sync, deployed models and their alerts."""

from django.urls import path

from metrics.deployments import views as deployments
from metrics.mirror import views as links

PROJECT = "projects/<int:pk>/"
KIND = "<str:kind>/<int:link_pk>/"

urlpatterns = [
    path(f"{PROJECT}mlflow/", links.project_mlflow, name="project-mlflow"),
    path(f"{PROJECT}mlflow/experiments/browse/", links.browse_experiments, name="mlflow-browse-experiments"),
    path(f"{PROJECT}mlflow/models/browse/", links.browse_models, name="mlflow-browse-models"),
    path(f"{PROJECT}mlflow/experiments/link/", links.experiment_link_create, name="mlflow-experiment-link-create"),
    path(f"{PROJECT}mlflow/models/link/", links.model_link_create, name="mlflow-model-link-create"),
    path(
        f"{PROJECT}mlflow/experiments/<int:link_pk>/key-metrics/",
        links.experiment_link_key_metrics,
        name="mlflow-experiment-key-metrics",
    ),
    path(f"{PROJECT}mlflow/{KIND}unlink/", links.link_delete, name="mlflow-link-delete"),
    path(f"{PROJECT}mlflow/{KIND}sync/", links.link_sync, name="mlflow-link-sync"),
    path(f"{PROJECT}mlflow/{KIND}status/", links.link_status, name="mlflow-link-status"),
    # deployed models
    path(f"{PROJECT}models/", deployments.deployed_models, name="project-deployed-models"),
    path(f"{PROJECT}models/register/", deployments.deployed_model_register, name="deployed-model-register"),
    path(f"{PROJECT}models/<int:model_pk>/thresholds/", deployments.threshold_set, name="deployed-model-threshold"),
    path(
        f"{PROJECT}models/<int:model_pk>/retrained/",
        deployments.deployed_model_retrained,
        name="deployed-model-retrained",
    ),
    path(f"{PROJECT}alerts/<int:alert_pk>/acknowledge/", deployments.alert_acknowledge, name="model-alert-acknowledge"),
    path(f"{PROJECT}alerts/<int:alert_pk>/resolve/", deployments.alert_resolve, name="model-alert-resolve"),
]
