"""Fixtures of the API tests: clients per role, a DB fingerprint to prove refusals change nothing."""

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient

from lifecycle import services
from lifecycle.models import (
    Activity,
    Artifact,
    ArtifactVersion,
    ArtifactWaiver,
    AuditRecord,
    Charter,
    CharterVersion,
    GateAction,
    GateReview,
    GateVote,
    PhaseTransition,
    Project,
    RaciAssignment,
)
from tests.factories import provide_required_artifacts

ROLES = ("pm", "exec", "ds", "architect", "outsider", "anonymous")


@pytest.fixture
def wsgi_app():
    # Like Django's test client: keep the test's connection (and its transaction) across requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    # DRF throttles count in the default cache: start every test from zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client_for(people):
    """client_for("pm") -> an APIClient authenticated as that person; "anonymous" -> no credentials."""

    def make(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(people[role])
        return client

    return make


@pytest.fixture
def pm_client(client_for):
    return client_for("pm")


@pytest.fixture
def exec_client(client_for):
    return client_for("exec")


def db_fingerprint() -> dict:
    """Everything a lifecycle write could touch, in a comparable form."""
    return {
        "projects": sorted(
            Project.objects.values_list(
                "id", "name", "phase", "state", "owner_id", "sponsor_id", "risk_tier", "overall_rag", "updated_at"
            )
        ),
        "charters": sorted(Charter.objects.values_list("id", "version", "objective", "expected_cost")),
        "counts": {
            model.__name__: model.objects.count()
            for model in (
                Activity,
                Artifact,
                ArtifactVersion,
                ArtifactWaiver,
                AuditRecord,
                CharterVersion,
                GateAction,
                GateReview,
                GateVote,
                PhaseTransition,
                RaciAssignment,
            )
        },
        "activities": sorted(Activity.objects.values_list("id", "name", "done")),
        "raci": sorted(RaciAssignment.objects.values_list("activity_id", "user_id", "role")),
        "reviews": sorted(GateReview.objects.values_list("id", "status", "decision")),
    }


@pytest.fixture
def unchanged():
    """Use as `with unchanged(): ...` around a refused call: the database must be exactly as before."""
    import contextlib

    @contextlib.contextmanager
    def check():
        before = db_fingerprint()
        yield
        assert db_fingerprint() == before

    return check


@pytest.fixture
def open_review(project, people):
    """The charter-phase gate review of `project`, requested by its PM with every artifact provided."""

    provide_required_artifacts(project, people["pm"])
    return services.gate_review_request(actor=people["pm"], project=project)


@pytest.fixture
def artifact_version(project, people):
    """A Markdown upload of the project charter artifact, by the PM."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import artifact_type

    return services.artifact_add_version(
        actor=people["pm"],
        project=project,
        artifact_type=artifact_type("project-charter"),
        upload=SimpleUploadedFile("charter.md", b"# Charter\n"),
    )
