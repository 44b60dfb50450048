"""Choices of gate evidence and the automated gate criteria."""

from django.db import models


class EvidenceKind(models.TextChoices):
    RUN = "run", "MLflow run"
    MODEL_VERSION = "model_version", "Model version"


class GateRuleKind(models.TextChoices):
    METRIC_THRESHOLD = "metric_threshold", "Metric threshold on the best attached run"
    ALL_RUNS_FINISHED = "all_runs_finished", "Every attached run finished"
    PARAM_RECORDED = "param_recorded", "Parameter recorded on every attached run"
    MODEL_ALIAS = "model_alias", "An attached model version has an alias"


class EvidenceRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    FULFILLED = "fulfilled", "Fulfilled"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DECIDED = "decided", "Closed by the decision"
