import pytest
from rest_framework.test import APIClient

from collaboration.events.dispatch import event_dispatch
from collaboration.events.models import Event
from lifecycle import services
from metrics.deployments.models import ModelAlert
from tests.api.mlflow_world import mlflow_world
from tests.factories import provide_required_artifacts


def dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
        event_dispatch(event_id)


@pytest.fixture
def review(project, people):
    provide_required_artifacts(project, people["pm"])
    return services.gate_review_request(actor=people["pm"], project=project)


@pytest.fixture
def targets(project, people, review):
    """One of each kind of comment target, all on the PM's project."""
    alert = ModelAlert.objects.get(pk=mlflow_world(project, people)["model-alerts"])
    return {
        "gate_review": review,
        "charter": project.charter,
        "artifact": project.artifacts.order_by("pk").first(),
        "model_alert": alert,
    }


@pytest.fixture
def api_as(people):
    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(people[role])
        return client

    return make
