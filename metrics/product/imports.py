"""CSV imports of the product inputs (scope: a Product): events, customers, orders, marketing spend, surveys.

Each row goes through the same service as the forms (``metrics.product.services``). Events are the exception
in volume: a file of 10,000 events must not make 10,000 service calls, so the events spec checks every row
up front with the service's own event reader (``ordered``), keeps the good ones, and stores them with one
``product_events_add`` call per ``EVENTS_PER_CALL`` rows, made while applying the last row of each chunk. Row
errors still carry their line, a refused file still writes nothing, and skipping bad rows still imports the
good ones: the framework's semantics are unchanged, only the writes are batched.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from metrics.imports.base import Column, ImportSpec, register_import
from metrics.input_rules import require_product_writer
from metrics.product import services
from metrics.product.models import Customer, Product
from portal.exceptions import ValidationFailed
from portal.models import User

EVENTS_PER_CALL = 10_000  # events per service call: bounded memory and lock time (the service allows 50,000)
LINE_KEY = "__line__"  # hidden cell: the row's line, so import_row finds what ``ordered`` prepared for it


class ProductImport(ImportSpec):
    scope_model = Product

    def check_scope(self, actor: User, scope: Any) -> None:
        require_product_writer(actor, scope.project, f"import {self.label.lower()}")

    def scope_label(self, scope: Any) -> str:
        return f"{scope.name} ({scope.project.code})"

    def scope_url(self, scope: Any) -> str:
        return reverse("product-dashboard", args=[scope.pk])


# --- events -----------------------------------------------------------------------------------------------------


@dataclass
class _EventBatch:
    """The events of one import: checked rows by line, the good ones waiting to be stored, where to flush."""

    checked: dict[int, tuple[dict[str, Any] | None, dict[str, str]]] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    flush_lines: set[int] = field(default_factory=set)


_current_batch: ContextVar[_EventBatch | None] = ContextVar("product_event_import_batch", default=None)


def _event_of(row: dict[str, str]) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The row as the service's event mapping, or the errors the service would give (same reader)."""
    errors: dict[str, str] = {}
    properties: Any = {}
    raw = row.get("properties", "")
    if raw:
        try:
            properties = json.loads(raw)
        except ValueError:
            errors["properties"] = 'Not JSON: write the properties as a JSON object, e.g. {"model": "v3"}.'
    event: dict[str, Any] = {"user_id": row.get("user", ""), "name": row.get("name", ""), "at": row.get("time", "")}
    if isinstance(properties, dict) and properties:
        event["properties"] = properties
    elif properties and "properties" not in errors:
        errors["properties"] = "An object of event properties."
    _, service_errors = services._read_event(event)
    renamed = {"user_id": "user", "at": "time"}
    errors = {renamed.get(key, key): message for key, message in service_errors.items()} | errors
    return (None if errors else event), errors


@register_import
class ProductEventImport(ProductImport):
    kind = "product-events"
    label = "Product events"
    description = "Usage events of the product: who did what, when. Properties are a JSON object (optional)."
    columns = (
        Column("user", help="The user's id in the product (a customer's external id when they buy).", example="u-1042"),
        Column("name", help="The event's name, e.g. login, score_requested.", example="score_requested"),
        Column("time", help="ISO 8601 date and time; without an offset, the portal's time zone.",
               example="2026-03-02T08:15:00+00:00"),
        Column("properties", required=False, help="A JSON object.", example='{"model": "v3"}'),
    )  # fmt: skip

    def ordered(self, rows: list[tuple[int, dict[str, str]]]) -> list[tuple[int, dict[str, str]]]:
        batch = _EventBatch()
        good_lines = []
        for line, row in rows:
            row[LINE_KEY] = str(line)
            batch.checked[line] = _event_of(row)
            if batch.checked[line][0] is not None:
                good_lines.append(line)
        # Store after every EVENTS_PER_CALL good rows, and after the last one.
        batch.flush_lines = set(good_lines[EVENTS_PER_CALL - 1 :: EVENTS_PER_CALL]) | set(good_lines[-1:])
        _current_batch.set(batch)
        return rows

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        batch = _current_batch.get()
        line = int(row.get(LINE_KEY, "0") or 0)
        if batch is None or line not in batch.checked:  # a caller that did not go through ordered(): one by one
            event, errors = _event_of(row)
            if event is None:
                raise ValidationFailed("The event is invalid.", details=errors)
            services.product_events_add(actor=actor, product=scope, events=[event])
            return
        event, errors = batch.checked[line]
        if event is None:
            raise ValidationFailed("The event is invalid.", details=errors)
        batch.pending.append(event)
        if line in batch.flush_lines:
            events, batch.pending = batch.pending, []
            # Rows already checked with the service's reader: a refusal here is a rule the check does not
            # mirror (permission), and it refuses the whole chunk on this line.
            services.product_events_add(actor=actor, product=scope, events=events)


# --- customers, orders, spend, surveys --------------------------------------------------------------------------


@register_import
class CustomerImport(ProductImport):
    kind = "customers"
    label = "Customers"
    description = "Customers of the product with the day they were acquired (CAC's new customers)."
    columns = (
        Column("external_id", help="The customer's id in your systems (same as the events' user).", example="u-1042"),
        Column("acquired_on", help="YYYY-MM-DD", example="2026-03-01"),
        Column("channel", required=False, help="Acquisition channel.", example="ads"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        services.customer_add(
            actor=actor,
            product=scope,
            external_id=row["external_id"],
            acquired_on=row["acquired_on"],
            channel=row.get("channel", ""),
        )


@register_import
class OrderImport(ProductImport):
    kind = "orders"
    label = "Orders"
    description = "Orders of existing customers: revenue and gross margin (a fraction, 0-1)."
    columns = (
        Column("customer", help="The customer's external id (import customers first).", example="u-1042"),
        Column("placed_at", help="ISO 8601 date and time.", example="2026-03-05T10:00:00+00:00"),
        Column("revenue", help="Amount, e.g. 120.00", example="120.00"),
        Column("gross_margin", help="Fraction of revenue kept, 0-1.", example="0.4"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        customer = Customer.objects.filter(product=scope, external_id=row["customer"]).first()
        if customer is None:
            message = f"No customer {row['customer']!r} in this product: import or add the customer first."
            raise ValidationFailed(message, details={"customer": message})
        services.order_add(
            actor=actor,
            customer=customer,
            placed_at=row["placed_at"],
            revenue=row["revenue"],
            gross_margin=row["gross_margin"],
        )


@register_import
class MarketingSpendImport(ProductImport):
    kind = "marketing-spend"
    label = "Marketing spend"
    description = "Sales and marketing spend per channel and period (CAC's numerator)."
    columns = (
        Column("channel", example="ads"),
        Column("period_start", help="YYYY-MM-DD", example="2026-03-01"),
        Column("period_end", help="YYYY-MM-DD", example="2026-03-31"),
        Column("amount", example="500.00"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        services.marketing_spend_add(
            actor=actor,
            product=scope,
            channel=row["channel"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            amount=row["amount"],
        )


@register_import
class SurveyResponseImport(ProductImport):
    kind = "survey-responses"
    label = "Survey responses"
    description = "NPS (0-10) and CSAT (1-5) answers."
    columns = (
        Column("kind", help="nps or csat", example="nps"),
        Column("score", help="NPS 0-10, CSAT 1-5", example="9"),
        Column("at", help="ISO 8601 date and time.", example="2026-03-06T12:00:00+00:00"),
        Column("respondent", required=False, example="u-1042"),
    )

    def import_row(self, actor: User, scope: Any, row: dict[str, str]) -> None:
        services.survey_response_add(
            actor=actor,
            product=scope,
            kind=row["kind"].lower(),
            score=row["score"],
            at=row["at"],
            respondent=row.get("respondent", ""),
        )
