"""A project at its charter gate with an open review: the sponsor (exec) is the gate's Accountable, the data
scientist and the architect are Consulted. Each inbox kind is then made by the service that makes it in real use."""

from __future__ import annotations

import pytest

from lifecycle import services
from lifecycle.choices import Phase
from lifecycle.models import Activity
from tests.factories import provide_required_artifacts


@pytest.fixture
def review(project, people):
    gate = Activity.objects.get(project=project, phase=Phase.CHARTER, is_gate=True)
    services.raci_update(
        actor=people["pm"],
        project=project,
        assignments={gate.pk: {people["ds"].pk: "C", people["architect"].pk: "C"}},
    )
    provide_required_artifacts(project, people["pm"])
    return services.gate_review_request(actor=people["pm"], project=project, note="Charter ready")
