"""Pages of deployed models: production metrics against thresholds, and their alerts."""

from django.urls import path

from metrics.deployments import views as deployments

PROJECT = "projects/<int:pk>/"

urlpatterns = [
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
