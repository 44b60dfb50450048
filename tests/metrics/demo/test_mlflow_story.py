"""The demo's MLflow side against a real `mlflow server`: real scikit-learn runs logged, linked and synced,
evidence on an open modeling review with one failing criterion, a deployment go over a failing criterion
with its override audited, and a deployed model whose production metrics raised alerts."""

import io

import pytest
from django.core.management import call_command

from lifecycle.models import AuditRecord, GateReview
from metrics.deployments.models import ModelAlert
from metrics.evidence.models import GateEvidence
from metrics.evidence.services.reviews import review_evidence_state
from metrics.mirror.models import ExperimentLink, MlflowRun, ModelVersionMirror

pytestmark = pytest.mark.django_db


def test_the_demo_links_real_runs_and_uses_them_as_evidence_and_production_signal(mlflow_server):
    out = io.StringIO()
    call_command("seed_demo", mlflow_uri=mlflow_server.uri, stdout=out)

    assert "MLflow: 27 training run(s) logged" in out.getvalue()
    assert MlflowRun.objects.filter(status="FINISHED").count() >= 27
    assert not ExperimentLink.objects.filter(last_synced_at__isnull=True).exists()
    assert sum("champion" in version.aliases for version in ModelVersionMirror.objects.all()) == 2

    modeling = GateReview.objects.get(project__code="AML-103", status="open", phase="modeling")
    assert GateEvidence.objects.filter(review=modeling).count() == 2
    outcomes = {result.outcome for result in review_evidence_state(modeling).results}
    assert {"pass", "fail"} <= outcomes

    overridden = GateReview.objects.get(project__code="DI-201", phase="deployment", decision="go")
    assert overridden.override_reason
    assert any(rule["outcome"] == "fail" for rule in overridden.evidence["rules"])
    decision = AuditRecord.objects.get(action="gate.decide", target_id=str(overridden.pk))
    assert decision.after["override_reason"] == overridden.override_reason

    alerts = ModelAlert.objects.filter(deployed_model__project__code="AML-102")
    assert {"drift_psi", "accuracy"} <= set(alerts.values_list("metric_key", flat=True))
