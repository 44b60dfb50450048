"""Browser journey on the project's MLflow page (real Chromium, real `mlflow server`): a data scientist
browses the server, links an experiment, presses "Sync now" and watches the status fragment settle."""

from __future__ import annotations

import pytest
from django.urls import reverse

from metrics.mirror.models import ExperimentLink, MlflowRun
from metrics.mlflow.local_server import LocalMlflowServer
from tests.e2e.conftest import browser, login, new_context  # noqa: F401 - fixtures
from tests.metrics.mlflow_seed import Seeder, granted_server

pytestmark = pytest.mark.e2e


def test_a_data_scientist_links_by_browsing_and_syncs_now(
    login,  # noqa: F811
    project,
    people,
    mlflow_server: LocalMlflowServer,
    mlflow_namespace: str,
) -> None:
    granted_server("lab", mlflow_server.uri, project.portfolio, timeout_s=5, max_retries=0, is_default=True)
    seed = Seeder.for_server(mlflow_server.uri, mlflow_namespace)
    experiment_id = seed.experiment("browser")
    for auc in (0.71, 0.74, 0.78):
        seed.run(experiment_id, metrics={"val_auc": [auc]})
    page = login("ds")

    page.goto(reverse("project-mlflow", args=[project.pk]))
    page.fill("input[aria-label='Search experiments']", mlflow_namespace)
    page.click("#link-experiment button:has-text('Browse')")
    page.click(f"[data-link-experiment='{experiment_id}']")
    page.wait_for_selector("text=linked. Use")
    link = ExperimentLink.objects.get()
    status = f"#sync-experiments-{link.pk}"
    assert "Never synced" in page.inner_text(status)

    page.click(f"{status} [data-sync-now]")
    page.wait_for_selector(f"{status}[data-sync-status='idle'] time", timeout=30_000)  # "Synced <time>"

    assert "Stale" not in page.inner_text(status)
    assert MlflowRun.objects.filter(experiment_id=experiment_id).count() == 3
    link.refresh_from_db()
    assert link.sync_progress == 3
