"""Shared set-up of the evidence tests: a project at its modeling gate with linked MLflow experiments and models.

`seeded_world` seeds a real `mlflow server` with the real client and runs the real sync; `mirrored_world` writes
the same shape of mirror rows directly, for tests about pages and API shapes that do not exercise MLflow.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from lifecycle.choices import Phase
from lifecycle.models import AuditRecord, GateReview, Project
from metrics.evidence.models import GateEvidence, GateRule
from metrics.mirror.models import ExperimentLink, MlflowRun, ModelVersionMirror, RegisteredModelLink, TrackingServer
from metrics.mirror.services.model_sync import registered_model_link_sync
from metrics.mirror.services.sync import experiment_link_sync
from tests.lifecycle.service_helpers import open_review, pass_gate
from tests.unchanged import refused_checker

# Two good runs and one weak: val_auc is the rule's metric, split_seed the param every run must record.
RUNS = {
    "rf-200": {
        "metrics": {"val_auc": [0.71, 0.80, 0.86], "val_loss": [0.6, 0.45, 0.38]},
        "params": {"split_seed": 7, "n_estimators": 200},
    },
    "lr-base": {"metrics": {"val_auc": [0.70, 0.74, 0.78], "val_loss": [0.62, 0.55, 0.52]}, "params": {"C": 1.0}},
    "gb-tuned": {
        "metrics": {"val_auc": [0.75, 0.83], "val_loss": [0.5, 0.41]},
        "params": {"split_seed": 7, "n_estimators": 400},
    },
}


def at_modeling_gate(project: Project, people: dict[str, Any]) -> GateReview:
    """Pass the charter and exploration gates, then request the modeling gate's review."""
    pass_gate(project, people["pm"], people["exec"])
    pass_gate(project, people["pm"], people["exec"])
    project.refresh_from_db()
    assert project.phase == Phase.MODELING
    return open_review(project, people["pm"])


def modeling_rules(project: Project, people: dict[str, Any]) -> dict[str, GateRule]:
    """The four kinds of rule on the portfolio's modeling gate."""
    common = {"portfolio": project.portfolio, "phase": Phase.MODELING, "created_by": people["pm"]}
    return {
        "auc": GateRule.objects.create(
            kind="metric_threshold", metric_key="val_auc", comparator=">=", threshold=0.8, **common
        ),
        "finished": GateRule.objects.create(kind="all_runs_finished", **common),
        "seed": GateRule.objects.create(kind="param_recorded", param_key="split_seed", **common),
        "champion": GateRule.objects.create(kind="model_alias", alias="champion", **common),
    }


@dataclass
class World:
    project: Project
    review: GateReview
    server: TrackingServer
    experiment_link: ExperimentLink
    model_link: RegisteredModelLink | None = None
    run_ids: dict[str, str] = field(default_factory=dict)  # run name -> MLflow run id
    model_name: str = ""
    seed: Any = None

    def run(self, name: str) -> MlflowRun:
        return MlflowRun.objects.get(server=self.server, run_id=self.run_ids[name])

    def sync(self) -> None:
        experiment_link_sync(self.experiment_link.pk)
        if self.model_link is not None:
            registered_model_link_sync(self.model_link.pk)


def seeded_world(project: Project, people: dict[str, Any], seed: Any, server_uri: str) -> World:
    """Real MLflow: an experiment with RUNS, a registered model (v1 from rf-200 @champion, v2 from lr-base)."""
    review = at_modeling_gate(project, people)
    server = TrackingServer.objects.create(name="lab", uri=server_uri, timeout_s=5, max_retries=0)
    experiment_id = seed.experiment("churn")
    run_ids = {
        name: seed.run(experiment_id, name=name, metrics=spec["metrics"], params=spec["params"], tags={"team": "churn"})
        for name, spec in RUNS.items()
    }
    model_name = seed.model("churn", [run_ids["rf-200"], run_ids["lr-base"]], aliases={"champion": 1})
    link = ExperimentLink.objects.create(
        project=project, server=server, experiment_id=experiment_id, name=seed.name("churn"), key_metrics=["val_auc"]
    )
    model_link = RegisteredModelLink.objects.create(project=project, server=server, model_name=model_name)
    world = World(project, review, server, link, model_link, run_ids, model_name, seed)
    world.sync()
    return world


def mirrored_world(project: Project, people: dict[str, Any], review: GateReview | None = None) -> World:
    """The mirror rows a sync of RUNS would write (no MLflow server), for page and API shape tests."""
    review = review or at_modeling_gate(project, people)
    server, _ = TrackingServer.objects.get_or_create(name="lab", defaults={"uri": "http://127.0.0.1:9"})
    link = ExperimentLink.objects.create(project=project, server=server, experiment_id="7", name="churn")
    now = timezone.now()
    run_ids = {}
    for index, (name, spec) in enumerate(RUNS.items()):
        run_id = f"{project.pk:04d}{index:028d}"
        MlflowRun.objects.create(
            server=server,
            experiment_id="7",
            run_id=run_id,
            run_name=name,
            status="FINISHED",
            start_time=now - datetime.timedelta(hours=3 - index),
            end_time=now,
            lifecycle_stage="active",
            params={key: str(value) for key, value in spec["params"].items()},
            tags={"team": "churn"},
            metrics={key: values[-1] for key, values in spec["metrics"].items()},
            artifact_uri=f"mlflow-artifacts:/7/{run_id}/artifacts",
            synced_at=now,
        )
        run_ids[name] = run_id
    model_link = RegisteredModelLink.objects.create(project=project, server=server, model_name="churn-model")
    for version, run_name, aliases in ((1, "rf-200", ["champion"]), (2, "lr-base", [])):
        ModelVersionMirror.objects.create(
            server=server,
            model_name="churn-model",
            version=version,
            aliases=aliases,
            source_run_id=run_ids[run_name],
            status="READY",
            synced_at=now,
        )
    return World(project, review, server, link, model_link, run_ids, "churn-model")


def evidence_rows() -> dict[str, Any]:
    """Everything an evidence action could change: evidence rows, reviews, rules and the audit trail."""
    return {
        "evidence": list(GateEvidence.objects.order_by("pk").values()),
        "reviews": list(GateReview.objects.order_by("pk").values()),
        "rules": list(GateRule.objects.order_by("pk").values()),
        "audit": list(AuditRecord.objects.order_by("pk").values_list("pk", "action")),
    }


refused = refused_checker(evidence_rows)
