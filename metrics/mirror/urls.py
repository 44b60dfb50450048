"""Pages of the MLflow mirror: a project's links, browsing, sync and its progress."""

from django.urls import path

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
]
