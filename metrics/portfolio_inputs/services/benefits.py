"""Writes of the benefit inputs: the benefits a project means to deliver and their measurements over time.

Split from ``services.health`` (status reports, risks, issues); same conventions as ``services.resources``
(keyword-only, atomic, checked, audited).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from lifecycle.models import Project, SuccessMetric
from lifecycle.services.audit import audit_write
from metrics.input_rules import (
    Errors,
    create_unique,
    lock_or_create,
    raise_if_errors,
    read_date,
    read_decimal,
    read_text,
    require_manager,
)
from metrics.portfolio_inputs.models import Benefit, BenefitMeasurement
from metrics.snapshots.requests import compute_request_for_project
from portal.models import User

NAME_MAX_LENGTH = 160
UNIT_MAX_LENGTH = 40


@transaction.atomic
def benefit_add(
    *,
    actor: User,
    project: Project,
    name: str,
    success_metric: SuccessMetric | int | None = None,
    unit: str = "",
) -> Benefit:
    """A benefit to measure, tied to one of the project's charter success metrics when given."""
    require_manager(actor, project, "define the project's benefits")
    errors: Errors = {}
    clean_name = read_text(errors, "name", name, max_length=NAME_MAX_LENGTH)
    clean_unit = read_text(errors, "unit", unit, max_length=UNIT_MAX_LENGTH, required=False)
    metric = None
    if success_metric is not None:
        metric_id = success_metric.pk if isinstance(success_metric, SuccessMetric) else success_metric
        metric = SuccessMetric.objects.filter(pk=metric_id, charter__project=project).first()
        if metric is None:
            errors["success_metric"] = f"Unknown success metric {metric_id} for this project's charter."
    if clean_name and Benefit.objects.filter(project=project, name=clean_name).exists():
        errors["name"] = f"The project already has a benefit named {clean_name!r}."
    raise_if_errors(errors, "The benefit is invalid.")
    benefit = create_unique(
        Benefit,
        "name",
        f"The project already has a benefit named {clean_name!r}.",
        project=project,
        success_metric=metric,
        name=clean_name,
        unit=clean_unit,
    )
    audit_write(
        actor=actor,
        action="benefit.add",
        target=benefit,
        project=project,
        after={"name": clean_name, "unit": clean_unit, "success_metric": metric.pk if metric else None},
    )
    compute_request_for_project(project)
    return benefit


@transaction.atomic
def benefit_measurement_record(
    *, actor: User, benefit: Benefit, period_end: Any, planned: Any, realized: Any = None
) -> BenefitMeasurement:
    """Record planned and (once known) realized value for a period (upsert on benefit + period end)."""
    benefit = Benefit.objects.select_related("project").get(pk=benefit.pk)
    require_manager(actor, benefit.project, "record benefit measurements")
    errors: Errors = {}
    day: datetime.date | None = read_date(errors, "period_end", period_end)
    planned_value = read_decimal(errors, "planned", planned)
    realized_value = None if realized is None or realized == "" else read_decimal(errors, "realized", realized)
    raise_if_errors(errors, "The benefit measurement is invalid.")
    assert day is not None and planned_value is not None  # checked above
    row, created = lock_or_create(
        BenefitMeasurement,
        {"benefit": benefit, "period_end": day},
        {"planned": planned_value, "realized": realized_value, "recorded_by": actor},
    )
    after = {"period_end": day, "planned": planned_value, "realized": realized_value}
    before = None
    if not created:
        if (row.planned, row.realized) == (planned_value, realized_value):
            return row
        before = {**after, "planned": row.planned, "realized": row.realized}
        row.planned, row.realized, row.recorded_by = planned_value, realized_value, actor
        row.save(update_fields=["planned", "realized", "recorded_by", "recorded_at"])
    audit_write(
        actor=actor,
        action="benefit_measurement.record",
        target=row,
        project=benefit.project,
        before=before,
        after=after,
    )
    compute_request_for_project(benefit.project)
    return row
