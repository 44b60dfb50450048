"""The demo's MLflow side, told through the portal's services: the local tracking server registered,
experiments and registered models linked to their projects, synced, then used as gate evidence and as
the production signal of a deployed model (see ``mlflow_demo_seed``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from lifecycle import services as lifecycle_services
from lifecycle.choices import GateDecision, GateReviewStatus, Phase
from lifecycle.models import Project
from lifecycle.services.raci import gate_people
from metrics.demo.mlflow_runs import EXPERIMENTS, MONITORING, MONITORING_THRESHOLDS, experiment_name, seed_runs
from metrics.deployments.choices import AlertSeverity
from metrics.deployments.models import DeployedModel, ModelAlert
from metrics.deployments.services import deployed_models as deployments
from metrics.evidence.choices import GateRuleKind
from metrics.evidence.models import GateEvidence, GateRule
from metrics.evidence.services import reviews as evidence
from metrics.evidence.services import rules as gate_rules
from metrics.mirror.choices import Comparator
from metrics.mirror.models import ExperimentLink, MlflowRun, RegisteredModelLink, TrackingServer
from metrics.mirror.services import links as mlflow_links
from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync

SERVER_NAME = "Demo MLflow"
KEY_METRICS = {"regression": ["val_rmse"], "binary": ["val_auc"], "multiclass": ["val_auc"]}
MONITORING_KEYS = ["accuracy", "drift_psi", "latency_p95_ms"]


def _server(uri: str, portfolio_ids: set[int]) -> TrackingServer:
    """The demo server, granted to the portfolios of the projects that link it (a server serves no portfolio
    until it is granted)."""
    admin = get_user_model().objects.get(username="admin")
    server = TrackingServer.objects.filter(name=SERVER_NAME).first()
    if server is None:
        return mlflow_links.tracking_server_save(
            actor=admin, name=SERVER_NAME, uri=uri, is_default=True, portfolios=sorted(portfolio_ids)
        )
    granted = set(server.portfolios.values_list("pk", flat=True))
    if server.uri != uri or not portfolio_ids <= granted:  # started on another port, or new demo portfolios
        return mlflow_links.tracking_server_save(
            actor=admin, server=server, uri=uri, portfolios=sorted(granted | portfolio_ids)
        )
    return server


def _link_experiment(server: TrackingServer, project: Project, short: str, keys: list[str]) -> ExperimentLink:
    name = experiment_name(short)
    link = ExperimentLink.objects.filter(project=project, server=server, name=name).first()
    if link is None:
        link = mlflow_links.experiment_link_create(
            actor=project.owner, project=project, server=server, experiment_name=name, key_metrics=keys
        )
    return link


def _link_model(server: TrackingServer, project: Project, model_name: str) -> RegisteredModelLink:
    link = RegisteredModelLink.objects.filter(project=project, server=server, model_name=model_name).first()
    if link is None:
        link = mlflow_links.model_link_create(
            actor=project.owner, project=project, model_name=model_name, server=server
        )
    return link


def mlflow_demo_seed(uri: str, seed: str) -> dict[str, Any]:
    """Runs trained and logged, links made and synced; returns what happened, for the command's summary."""
    logged = seed_runs(uri, seed)
    codes = [e.project for e in EXPERIMENTS] + list(MONITORING)
    projects = {p.code: p for p in Project.objects.filter(code__in=codes).select_related("portfolio")}
    server = _server(uri, {project.portfolio_id for project in projects.values()})
    experiment_links, model_links = [], []
    for spec in EXPERIMENTS:
        project = projects.get(spec.project)
        if project is None:
            continue
        experiment_links.append(_link_experiment(server, project, spec.name, KEY_METRICS[spec.task]))
        if spec.model_name:
            model_links.append(_link_model(server, project, spec.model_name))
    for code, short in MONITORING.items():
        if code in projects:
            experiment_links.append(_link_experiment(server, projects[code], short, MONITORING_KEYS))
    synced = sum(experiment_link_sync(link.pk).runs_written for link in experiment_links)
    for link in model_links:
        registered_model_link_sync(link.pk)
    _gate_rules(projects)
    attached = _evidence_on_open_modeling_review(projects.get("AML-103"))
    overridden = _deployment_go_with_override(projects.get("DI-201"))
    alerts = _deployed_churn_model(projects.get("AML-102"))
    return {
        "runs_logged": logged["runs"],
        "links": len(experiment_links) + len(model_links),
        "runs_synced": synced,
        "evidence": attached + overridden,
        "alerts": alerts,
    }


# -- a model in production ----------------------------------------------------------------------------------


def _deployed_churn_model(project: Project | None) -> int:
    """The churn classifier's champion in production, held to thresholds its last week breaches; trained long
    enough ago that retraining is overdue, approved long enough ago that revalidation is due soon."""
    if project is None or DeployedModel.objects.filter(project=project).exists():
        return 0
    model_link = RegisteredModelLink.objects.filter(project=project, model_name="churn-classifier").first()
    monitoring = ExperimentLink.objects.filter(project=project, name=experiment_name(MONITORING["AML-102"])).first()
    run = (
        monitoring
        and MlflowRun.objects.filter(server=monitoring.server, experiment_id=monitoring.experiment_id).first()
    )
    if model_link is None or monitoring is None or run is None:
        return 0
    now = timezone.now()
    model = deployments.deployed_model_register(
        actor=project.owner,
        project=project,
        name="Churn classifier (CRM scoring)",
        model_link=model_link,
        model_version=2,
        monitoring_link=monitoring,
        monitoring_run_id=run.run_id,
        owner=project.owner,
        deployed_at=now - datetime.timedelta(days=60),
        last_trained_at=now - datetime.timedelta(days=100),
        retrain_every_days=90,
        approved_at=now - datetime.timedelta(days=356),
    )
    for metric_key, comparator, threshold in MONITORING_THRESHOLDS:
        severity = AlertSeverity.CRITICAL if metric_key == "drift_psi" else AlertSeverity.HIGH
        deployments.production_threshold_set(
            actor=project.owner,
            model=model,
            metric_key=metric_key,
            comparator=comparator,
            threshold=threshold,
            severity=severity,
        )
    experiment_link_sync(monitoring.pk)  # pulls the thresholds' full histories, then evaluates them
    return ModelAlert.objects.filter(deployed_model=model).count()


# -- gate evidence ------------------------------------------------------------------------------------------
# The rules each portfolio's modeling and deployment gates hold the MLflow evidence to.
RULES = (
    (
        Phase.MODELING,
        GateRuleKind.METRIC_THRESHOLD,
        {"metric_key": "val_auc", "comparator": Comparator.GTE, "threshold": 0.95},
    ),
    (Phase.MODELING, GateRuleKind.ALL_RUNS_FINISHED, {}),
    (Phase.MODELING, GateRuleKind.PARAM_RECORDED, {"param_key": "split_seed"}),
    (Phase.DEPLOYMENT, GateRuleKind.MODEL_ALIAS, {"alias": "champion"}),
    (
        Phase.DEPLOYMENT,
        GateRuleKind.METRIC_THRESHOLD,
        {"metric_key": "val_rmse", "comparator": Comparator.LTE, "threshold": 50.0},
    ),
)


def _gate_rules(projects: dict[str, Project]) -> None:
    for portfolio in {project.portfolio for project in projects.values()}:
        if GateRule.objects.filter(portfolio=portfolio).exists():
            continue
        owner = next(p.owner for p in projects.values() if p.portfolio_id == portfolio.pk)
        for phase, kind, values in RULES:
            gate_rules.gate_rule_create(actor=owner, portfolio=portfolio, phase=phase, kind=kind, **values)


def _runs(project: Project) -> list[MlflowRun]:
    return list(evidence.runs_linked_to(project).filter(deleted=False, status="FINISHED").order_by("run_name"))


def _scientist() -> Any:
    return get_user_model().objects.get(username="ds")


def _evidence_on_open_modeling_review(project: Project | None) -> int:
    """Two runs attached by the data scientist: the AUC rule passes, the split-seed rule fails."""
    review = project and project.gate_reviews.filter(status=GateReviewStatus.OPEN, phase=Phase.MODELING).first()
    if review is None or GateEvidence.objects.filter(review=review).exists():
        return 0
    runs = {run.run_name: run for run in _runs(project)}
    chosen = [runs[name] for name in ("logreg-c1", "logreg-c10") if name in runs]  # logreg-c10 lacks split_seed
    for run in chosen:
        evidence.evidence_attach_run(
            actor=_scientist(),
            review=review,
            run_id=run.run_id,
            note="Best regularisation so far; see the comparison.",
        )
    return len(chosen)


def _deployment_go_with_override(project: Project | None) -> int:
    """The champion attached to the open deployment review; the RMSE rule fails and the sponsor goes anyway,
    with the override reason the audit trail keeps."""
    review = project and project.gate_reviews.filter(status=GateReviewStatus.OPEN, phase=Phase.DEPLOYMENT).first()
    if review is None or GateEvidence.objects.filter(review=review).exists():
        return 0
    link = RegisteredModelLink.objects.filter(project=project).first()
    versions = evidence.versions_linked_to(project).filter(deleted=False)
    champion = next((v for v in versions if "champion" in (v.aliases or [])), None)
    if link is None or champion is None:
        return 0
    scientist = _scientist()
    evidence.evidence_attach_model_version(
        actor=scientist,
        review=review,
        model_name=champion.model_name,
        version=champion.version,
        note="The version serving in production.",
    )
    if champion.source_run_id:
        evidence.evidence_attach_run(
            actor=scientist, review=review, run_id=champion.source_run_id, note="The training run of the champion."
        )
    accountable_id, _consulted = gate_people(project, review.phase)
    lifecycle_services.gate_decide(
        actor=get_user_model().objects.get(pk=accountable_id),
        review=review,
        decision=GateDecision.GO,
        rationale="Go: the forecaster beats the planners' manual forecast in every region.",
        override_reason="RMSE of 53 is above the 50 we set, but the business case holds at this error; the "
        "promotion features planned for next quarter target it.",
    )
    return 2
