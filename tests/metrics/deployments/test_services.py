"""Deployed models: registration rules, thresholds, alerts from a real MLflow monitoring run, alert
handling, and the retrain / revalidation due computations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lifecycle.models import AuditRecord, Project
from metrics.deployments.choices import AlertState
from metrics.deployments.models import DeployedModel, ModelAlert, ProductionThreshold
from metrics.deployments.selectors import project_open_alerts
from metrics.deployments.services import alerts
from metrics.deployments.services import deployed_models as service
from metrics.mirror.models import ExperimentLink, MlflowRun, RunMetricPoint, TrackingServer
from metrics.mirror.services.links import experiment_link_create
from metrics.mirror.services.sync import experiment_link_sync
from metrics.mlflow.local_server import LocalMlflowServer
from portal.exceptions import NotAllowed, TransitionNotAllowed, ValidationFailed
from tests.metrics.mlflow_seed import Seeder

UTC = dt.UTC


def in_deployment(project: Project) -> Project:
    Project.objects.filter(pk=project.pk).update(phase="deployment")
    project.refresh_from_db()
    return project


@pytest.fixture
def seed(mlflow_server: LocalMlflowServer, mlflow_namespace: str) -> Seeder:
    return Seeder.for_server(mlflow_server.uri, mlflow_namespace)


@pytest.fixture
def server(db, mlflow_server: LocalMlflowServer, portfolio) -> TrackingServer:
    server = TrackingServer.objects.create(name="lab", uri=mlflow_server.uri, timeout_s=5, max_retries=0)
    server.portfolios.add(portfolio)  # a server serves only the portfolios granted
    return server


@pytest.fixture
def monitored(project, people, server, seed):
    """A deployed model whose monitoring run logged accuracy 0.95, 0.93, then 0.85 (a breach of >= 0.9)."""
    project = in_deployment(project)
    experiment = seed.experiment("monitoring")
    run_id = seed.run(experiment, name="prod", metrics={"accuracy": [0.95, 0.93, 0.85]}, status="RUNNING")
    link = experiment_link_create(actor=people["ds"], project=project, server=server, experiment_id=experiment)
    model = service.deployed_model_register(
        actor=people["ds"], project=project, name="churn-prod", monitoring_link=link, monitoring_run_id=run_id
    )
    return {"project": project, "link": link, "model": model, "run_id": run_id}


# -- registration ---------------------------------------------------------------------------------------------


def test_models_are_registered_only_in_deployment_or_closure(project, people) -> None:
    with pytest.raises(TransitionNotAllowed):
        service.deployed_model_register(actor=people["pm"], project=project, name="too-early")
    assert not DeployedModel.objects.exists()

    model = service.deployed_model_register(actor=people["pm"], project=in_deployment(project), name="churn-prod")

    assert model.approved_at == model.deployed_at  # no approval given: the deployment is the approval
    assert AuditRecord.objects.filter(action="deployment.registered", target_id=str(model.pk)).count() == 1


@pytest.mark.parametrize("who", ["architect", "exec", "product"])
def test_only_managers_and_data_scientists_register(project, people, who) -> None:
    with pytest.raises(NotAllowed):
        service.deployed_model_register(actor=people[who], project=in_deployment(project), name="m")
    assert not DeployedModel.objects.exists()


def test_links_and_owner_must_belong_to_the_project(project, people, portfolio, server) -> None:
    other = _other_project(portfolio, people)  # same portfolio, another project
    foreign_link = ExperimentLink.objects.create(project=other, server=server, experiment_id="9")
    project = in_deployment(project)

    with pytest.raises(ValidationFailed) as refused:
        service.deployed_model_register(
            actor=people["pm"], project=project, name="m", monitoring_link=foreign_link, owner=people["outsider"]
        )

    assert set(refused.value.details) == {"monitoring_link", "owner"}
    assert not DeployedModel.objects.exists()


def _other_project(portfolio, people):
    from tests.factories import make_project

    return make_project(portfolio=portfolio, owner=people["pm"], sponsor=people["exec"], code="AML-002")


# -- alerts from a real monitoring run ---------------------------------------------------------------------


def test_a_breach_opens_one_alert_with_owner_and_due_date(monitored, people) -> None:
    model = monitored["model"]
    service.production_threshold_set(
        actor=people["ds"], model=model, metric_key="accuracy", comparator=">=", threshold=0.9, severity="critical"
    )
    monitored["link"].refresh_from_db()
    assert monitored["link"].key_metrics == ["accuracy"]  # the production metric's history is pulled

    experiment_link_sync(monitored["link"].pk)  # the sync evaluates the models it monitors

    alert = ModelAlert.objects.get()
    assert (alert.metric_key, alert.observed_value, alert.threshold_value, alert.comparator) == (
        "accuracy",
        0.85,
        0.9,
        ">=",
    )
    assert alert.state == AlertState.OPEN
    assert alert.owner == people["pm"]  # no model owner: the project owner
    assert alert.due_date == timezone.localdate(alert.raised_at) + dt.timedelta(days=2)  # critical: 2 days
    assert AuditRecord.objects.filter(action="deployment.alert_raised", target_id=str(alert.pk)).count() == 1
    assert RunMetricPoint.objects.filter(key="accuracy").count() == 3


def test_re_evaluating_the_same_breach_does_not_duplicate(monitored, people) -> None:
    model = monitored["model"]
    service.production_threshold_set(
        actor=people["ds"], model=model, metric_key="accuracy", comparator=">=", threshold=0.9
    )
    experiment_link_sync(monitored["link"].pk)

    experiment_link_sync(monitored["link"].pk)
    assert alerts.deployed_model_evaluate(model.pk) == []

    assert ModelAlert.objects.count() == 1


def test_recovery_does_not_resolve_and_a_new_breach_after_resolution_reopens(monitored, people, seed) -> None:
    model, link = monitored["model"], monitored["link"]
    service.production_threshold_set(
        actor=people["ds"], model=model, metric_key="accuracy", comparator=">=", threshold=0.9
    )
    experiment_link_sync(link.pk)
    seed.log_metric_value(monitored["run_id"], "accuracy", 0.96, step=3)  # back within the threshold

    experiment_link_sync(link.pk)

    alert = ModelAlert.objects.get()
    assert alert.state == AlertState.OPEN  # recovery is not a resolution: someone explains the breach
    alerts.model_alert_resolve(actor=people["pm"], alert=alert, resolution="Upstream feed fixed")
    assert alerts.deployed_model_evaluate(model.pk) == []  # healthy now, nothing reopens

    seed.log_metric_value(monitored["run_id"], "accuracy", 0.7, step=4)
    experiment_link_sync(link.pk)

    assert list(ModelAlert.objects.order_by("pk").values_list("state", "observed_value")) == [
        ("resolved", 0.85),
        ("open", 0.7),
    ]


def test_the_model_owner_owns_the_alert_and_severity_sets_the_due_date(monitored, people) -> None:
    model = service.deployed_model_update(actor=people["pm"], model=monitored["model"], owner=people["ds"])
    service.production_threshold_set(
        actor=people["ds"], model=model, metric_key="accuracy", comparator=">=", threshold=0.9, severity="low"
    )

    assert alerts.deployed_model_evaluate(model.pk) == []  # not synced yet: nothing mirrored
    experiment_link_sync(monitored["link"].pk)

    alert = ModelAlert.objects.get()
    assert alert.owner == people["ds"]
    assert alert.due_date == timezone.localdate(alert.raised_at) + dt.timedelta(days=20)


# -- alerts without MLflow (mirrored rows written directly) ---------------------------------------------------


def mirrored_model(project, people, server, values: list[float | None], key: str = "drift_psi"):
    project = in_deployment(project)
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id="7", key_metrics=[key])
    run = MlflowRun.objects.create(
        server=server,
        experiment_id="7",
        run_id="monitor1",
        status="RUNNING",
        lifecycle_stage="active",
        start_time=timezone.now(),
        synced_at=timezone.now(),
        metrics={key: values[-1]},
    )
    base = 1_750_000_000_000
    RunMetricPoint.objects.bulk_create(
        RunMetricPoint(run=run, key=key, step=step, timestamp=base + step * 60_000, value=value)
        for step, value in enumerate(values)
    )
    return service.deployed_model_register(actor=people["pm"], project=project, name="m", monitoring_link=link)


@pytest.fixture
def offline_server(db) -> TrackingServer:
    return TrackingServer.objects.create(name="offline", uri="http://127.0.0.1:9", timeout_s=1, max_retries=0)


def test_the_latest_point_decides_and_a_missing_value_is_a_breach(project, people, offline_server) -> None:
    model = mirrored_model(project, people, offline_server, [0.3, 0.1])
    ProductionThreshold.objects.create(deployed_model=model, metric_key="drift_psi", comparator="<", threshold=0.2)
    assert alerts.deployed_model_evaluate(model.pk) == []  # 0.3 breached earlier, but 0.1 is the latest

    RunMetricPoint.objects.create(run=MlflowRun.objects.get(), key="drift_psi", step=2, timestamp=1_760_000_000_000)
    (alert,) = alerts.deployed_model_evaluate(model.pk)
    assert alert.observed_value is None


@pytest.mark.parametrize("who, allowed", [("pm", True), ("exec", False), ("ds", False)])
def test_alerts_are_handled_by_their_owner_or_a_manager(project, people, offline_server, who, allowed) -> None:
    model = mirrored_model(project, people, offline_server, [0.5])
    service.production_threshold_set(
        actor=people["pm"], model=model, metric_key="drift_psi", comparator="<", threshold=0.2
    )
    (alert,) = alerts.deployed_model_evaluate(model.pk)

    if allowed:
        assert alerts.model_alert_acknowledge(actor=people[who], alert=alert).state == AlertState.ACKNOWLEDGED
    else:
        with pytest.raises(NotAllowed):
            alerts.model_alert_acknowledge(actor=people[who], alert=alert)
        alert.refresh_from_db()
        assert alert.state == AlertState.OPEN


def test_resolving_needs_a_resolution_and_happens_once(project, people, offline_server) -> None:
    model = mirrored_model(project, people, offline_server, [0.5])
    service.production_threshold_set(
        actor=people["pm"], model=model, metric_key="drift_psi", comparator="<", threshold=0.2
    )
    (alert,) = alerts.deployed_model_evaluate(model.pk)

    with pytest.raises(ValidationFailed):
        alerts.model_alert_resolve(actor=people["pm"], alert=alert, resolution="  ")
    resolved = alerts.model_alert_resolve(actor=people["pm"], alert=alert, resolution="Retrained on fresh data")
    with pytest.raises(TransitionNotAllowed):
        alerts.model_alert_resolve(actor=people["pm"], alert=alert, resolution="again")

    assert resolved.resolved_at is not None
    assert AuditRecord.objects.filter(action="deployment.alert_resolved").count() == 1


@pytest.mark.parametrize("bad", [{"comparator": "=="}, {"threshold": float("nan")}, {"metric_key": " "}])
def test_invalid_thresholds_are_refused(project, people, offline_server, bad) -> None:
    model = mirrored_model(project, people, offline_server, [0.5])
    given = {"metric_key": "drift_psi", "comparator": "<", "threshold": 0.2} | bad

    with pytest.raises(ValidationFailed):
        service.production_threshold_set(actor=people["pm"], model=model, **given)
    assert model.thresholds.count() == 0


# -- retrain and revalidation -------------------------------------------------------------------------------


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "trained, today, state, due",
    [
        ("2026-01-01", "2026-02-01", "ok", "2026-04-01"),  # 90 days later
        ("2026-01-01", "2026-03-18", "due_soon", "2026-04-01"),  # exactly 14 days before
        ("2026-01-01", "2026-04-01", "due_soon", "2026-04-01"),  # due today
        ("2026-01-01", "2026-04-02", "overdue", "2026-04-01"),
    ],
)
def test_retrain_due_soon_and_overdue(trained, today, state, due) -> None:
    model = DeployedModel(deployed_at=at("2025-06-01"), last_trained_at=at(trained), retrain_every_days=90)

    status = service.retrain_status(model, dt.date.fromisoformat(today))

    assert (status.state, status.due_on) == (state, dt.date.fromisoformat(due))


def test_retraining_is_counted_from_the_deployment_when_never_retrained() -> None:
    model = DeployedModel(deployed_at=at("2026-01-01"), retrain_every_days=30)
    assert service.retrain_status(model, dt.date(2026, 2, 5)).state == "overdue"


def test_revalidation_uses_the_portal_default_unless_the_model_sets_its_own(settings) -> None:
    model = DeployedModel(deployed_at=at("2025-01-01"), approved_at=at("2025-01-01"))
    assert service.revalidation_status(model, dt.date(2025, 12, 1)) == service.DueStatus(dt.date(2026, 1, 1), "ok")

    settings.STAGEGATE_APPROVAL_VALID_DAYS = 180
    assert service.revalidation_status(model, dt.date(2025, 12, 1)).state == "overdue"

    model.approval_valid_days = 340
    assert service.revalidation_status(model, dt.date(2025, 12, 1)) == service.DueStatus(
        dt.date(2025, 12, 7), "due_soon"
    )


def test_no_approval_date_means_unknown() -> None:
    model = DeployedModel(deployed_at=at("2025-01-01"), approved_at=None)
    assert service.revalidation_status(model, dt.date(2026, 1, 1)).state == "unknown"


def test_open_alerts_of_a_project_come_most_severe_first(project, people, offline_server) -> None:
    model = mirrored_model(project, people, offline_server, [0.5])
    run = MlflowRun.objects.get()
    RunMetricPoint.objects.create(run=run, key="latency_p95", step=0, timestamp=1_750_000_000_000, value=900.0)
    service.production_threshold_set(
        actor=people["pm"], model=model, metric_key="drift_psi", comparator="<", threshold=0.2, severity="medium"
    )
    service.production_threshold_set(
        actor=people["pm"], model=model, metric_key="latency_p95", comparator="<", threshold=300, severity="critical"
    )
    alerts.deployed_model_evaluate(model.pk)

    keys = list(project_open_alerts(model.project_id).values_list("metric_key", flat=True))

    assert keys == ["latency_p95", "drift_psi"]


def test_evaluating_twice_opens_one_alert(project, people, offline_server) -> None:
    model = mirrored_model(project, people, offline_server, [0.5])
    service.production_threshold_set(
        actor=people["pm"], model=model, metric_key="drift_psi", comparator="<", threshold=0.2
    )

    assert len(alerts.deployed_model_evaluate(model.pk)) == 1
    assert len(alerts.deployed_model_evaluate(model.pk)) == 0
    assert ModelAlert.objects.count() == 1
