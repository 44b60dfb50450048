"""The deployed-models page: charts with thresholds and breaches, CSV, alerts as action items, badges, and
its forms (register, threshold, retrained, acknowledge, resolve). Mirrored rows are written directly."""

from __future__ import annotations

import datetime as dt
import json
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from lifecycle.models import Project
from metrics.deployments.choices import AlertState
from metrics.deployments.models import DeployedModel, ModelAlert
from metrics.deployments.services import alerts
from metrics.deployments.services import deployed_models as service
from metrics.mirror.models import ExperimentLink, MlflowRun, RunMetricPoint, TrackingServer

pytestmark = pytest.mark.clock

BASE_MS = 1_750_000_000_000


@pytest.fixture
def deployed(project, people, db):
    Project.objects.filter(pk=project.pk).update(phase="deployment")
    project.refresh_from_db()
    server = TrackingServer.objects.create(name="offline", uri="http://127.0.0.1:9", timeout_s=1, max_retries=0)
    link = ExperimentLink.objects.create(
        project=project, server=server, experiment_id="7", name="monitoring", key_metrics=["drift_psi"]
    )
    run = MlflowRun.objects.create(
        server=server,
        experiment_id="7",
        run_id="monitor1",
        status="RUNNING",
        lifecycle_stage="active",
        start_time=timezone.now(),
        synced_at=timezone.now(),
    )
    RunMetricPoint.objects.bulk_create(
        RunMetricPoint(run=run, key="drift_psi", step=step, timestamp=BASE_MS + step * 3_600_000, value=value)
        for step, value in enumerate([0.05, 0.12, 0.31])
    )
    model = service.deployed_model_register(
        actor=people["pm"],
        project=project,
        name="churn-prod",
        monitoring_link=link,
        last_trained_at=timezone.now() - dt.timedelta(days=85),
        retrain_every_days=90,
    )
    service.production_threshold_set(
        actor=people["pm"], model=model, metric_key="drift_psi", comparator="<", threshold=0.2
    )
    (alert,) = alerts.deployed_model_evaluate(model.pk)
    return {"project": project, "model": model, "alert": alert, "link": link}


def page_url(project) -> str:
    return reverse("project-deployed-models", args=[project.pk])


def test_the_page_charts_the_metric_with_its_threshold_and_marks_breaches(client, people, deployed) -> None:
    client.force_login(people["exec"])

    response = client.get(page_url(deployed["project"]))

    assert response.status_code == 200
    html = response.content.decode()
    chart_id = f"dm{deployed['model'].pk}-drift_psi"
    start = html.index(f'id="chart-{chart_id}-figure">') + len(f'id="chart-{chart_id}-figure">')
    figure = json.loads(unescape(html[start : html.index("<", start)]))  # the include escapes the JSON
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert traces["drift_psi"]["y"] == [0.05, 0.12, 0.31]
    assert traces["breach"]["y"] == [0.31]
    assert traces["threshold < 0.2"]["y"] == [0.2, 0.2]
    assert 'data-due="retrain-due-soon"' in html and 'data-due="revalidation-ok"' in html
    assert 'data-open-alerts="1"' in html and "Stale data" in html  # the monitoring link never synced
    assert "Acknowledge" not in html  # executives read; the owner or a manager acts


def test_each_chart_exports_its_data_as_csv(client, people, deployed) -> None:
    client.force_login(people["pm"])
    chart_id = f"dm{deployed['model'].pk}-drift_psi"

    response = client.get(page_url(deployed["project"]), {"csv": chart_id})

    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0] == "time,step,value,threshold,breach"
    assert [line.split(",")[1:] for line in lines[1:]] == [
        ["0", "0.05", "0.2", "False"],
        ["1", "0.12", "0.2", "False"],
        ["2", "0.31", "0.2", "True"],
    ]
    assert client.get(page_url(deployed["project"]), {"csv": "nope"}).status_code == 404


def test_the_owner_acknowledges_then_resolves_from_the_page(client, people, deployed) -> None:
    project, alert = deployed["project"], deployed["alert"]
    client.force_login(people["pm"])

    client.post(reverse("model-alert-acknowledge", args=[project.pk, alert.pk]))
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED
    client.post(reverse("model-alert-resolve", args=[project.pk, alert.pk]), {"resolution": "Retrained on May data"})

    alert.refresh_from_db()
    assert (alert.state, alert.resolution) == (AlertState.RESOLVED, "Retrained on May data")
    assert 'data-open-alerts="0"' in client.get(page_url(project)).content.decode()


def test_someone_else_cannot_handle_the_alert(client, people, deployed) -> None:
    project, alert = deployed["project"], deployed["alert"]
    client.force_login(people["ds"])

    response = client.post(
        reverse("model-alert-resolve", args=[project.pk, alert.pk]), {"resolution": "x"}, follow=True
    )

    assert "Only the alert" in response.content.decode()
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_register_set_a_threshold_and_record_a_retraining_from_the_page(client, people, deployed) -> None:
    project = deployed["project"]
    client.force_login(people["ds"])

    registered = client.post(
        reverse("deployed-model-register", args=[project.pk]),
        {"name": "fraud", "monitoring_link": deployed["link"].pk, "retrain_every_days": 30, "owner": people["ds"].pk},
    )
    fraud = DeployedModel.objects.get(name="fraud")
    threshold = client.post(
        reverse("deployed-model-threshold", args=[project.pk, fraud.pk]),
        {f"t{fraud.pk}-metric_key": "accuracy", f"t{fraud.pk}-comparator": ">=", f"t{fraud.pk}-threshold": "0.9",
         f"t{fraud.pk}-severity": "critical"},
    )  # fmt: skip
    client.post(reverse("deployed-model-retrained", args=[project.pk, fraud.pk]))

    assert registered.status_code == 302 and threshold.status_code == 302
    assert (fraud.owner, fraud.retrain_every_days) == (people["ds"], 30)
    assert list(fraud.thresholds.values_list("metric_key", "comparator", "threshold", "severity")) == [
        ("accuracy", ">=", 0.9, "critical")
    ]
    fraud.refresh_from_db()
    assert fraud.last_trained_at is not None and timezone.now() - fraud.last_trained_at < dt.timedelta(minutes=1)


def test_registration_is_refused_before_deployment(client, people, deployed) -> None:
    project = deployed["project"]
    Project.objects.filter(pk=project.pk).update(phase="modeling")
    client.force_login(people["pm"])

    page = client.get(page_url(project)).content.decode()
    response = client.post(
        reverse("deployed-model-register", args=[project.pk]), {"name": "early", "retrain_every_days": 90}
    )

    assert "Register a deployed model" not in page
    assert response.status_code == 422 and "deployment or closure" in response.content.decode()
    assert not DeployedModel.objects.filter(name="early").exists()


@pytest.mark.parametrize("who", ["exec", "architect"])
def test_people_who_do_not_manage_deployments_are_refused(client, people, deployed, who) -> None:
    project, model = deployed["project"], deployed["model"]
    client.force_login(people[who])

    answers = [
        client.post(reverse("deployed-model-register", args=[project.pk]), {"name": "x", "retrain_every_days": 9}),
        client.post(reverse("deployed-model-threshold", args=[project.pk, model.pk]), {}),
        client.post(reverse("deployed-model-retrained", args=[project.pk, model.pk])),
    ]

    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert DeployedModel.objects.count() == 1 and model.thresholds.count() == 1


def test_outsiders_get_404(client, people, deployed) -> None:
    project, alert = deployed["project"], deployed["alert"]
    client.force_login(people["outsider"])

    assert client.get(page_url(project)).status_code == 404
    assert client.post(reverse("model-alert-acknowledge", args=[project.pk, alert.pk])).status_code == 404
    assert ModelAlert.objects.get().state == AlertState.OPEN
