"""Writes of the product inputs: products, usage events, customers and orders, marketing spend, surveys.

Managers of the project's portfolio and its product managers write product data. Same conventions as the other
services: keyword-only, atomic, every field checked before anything is written, one audit record per change
(one per bulk of events, not one per event).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from lifecycle.models import Project
from lifecycle.services.audit import audit_write
from metrics.input_rules import (
    Errors,
    create_unique,
    raise_if_errors,
    read_choice,
    read_date,
    read_decimal,
    read_text,
    require_product_writer,
)
from metrics.product.choices import SURVEY_SCORE_RANGE, SurveyKind
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from metrics.snapshots.requests import compute_request_for_product
from portal.exceptions import ValidationFailed
from portal.models import User

__all__ = [
    "customer_add",
    "marketing_spend_add",
    "order_add",
    "product_create",
    "product_events_add",
    "product_funnel_update",
    "survey_response_add",
]

#: One call holds at most this many events: bigger imports are split by the caller (bounded memory and lock time).
MAX_EVENTS_PER_CALL = 50_000
#: Rows per INSERT when storing events.
EVENT_BATCH_SIZE = 2_000
#: Row errors listed in a refusal; the count says how many there were in all.
MAX_ROW_ERRORS_SHOWN = 50
EVENT_FIELDS = {"user_id", "name", "at", "properties"}
#: A funnel longer than this is a journey map, not a conversion funnel; the chart shows every step.
MAX_FUNNEL_STEPS = 10
#: Longest conversion window: a year; beyond it a "conversion" no longer follows from entering the funnel.
MAX_FUNNEL_WINDOW_DAYS = 365
#: Core events are one line each on the feature usage chart: more would be unreadable.
MAX_CORE_EVENTS = 12
EVENT_NAME_LENGTH = 100  # ProductEvent.name


def read_datetime(errors: Errors, field: str, value: Any) -> datetime.datetime | None:
    """An aware datetime; an ISO string or a naive value is read in the portal's time zone."""
    if value is None or value == "":
        errors[field] = "Required: a date and time."
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        errors[field] = "A date and time is expected, not a date."
        return None
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value).strip())
        except ValueError:
            errors[field] = f"Not a date and time (ISO 8601): {value!r}."
            return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@transaction.atomic
def product_create(*, actor: User, project: Project, name: str, description: str = "") -> Product:
    require_product_writer(actor, project, "create products")
    errors: Errors = {}
    clean_name = read_text(errors, "name", name, max_length=160)
    clean_description = read_text(errors, "description", description, max_length=10_000, required=False)
    if clean_name and Product.objects.filter(project=project, name=clean_name).exists():
        errors["name"] = f"The project already has a product named {clean_name!r}."
    raise_if_errors(errors, "The product is invalid.")
    product = create_unique(
        Product,
        "name",
        f"The project already has a product named {clean_name!r}.",
        project=project,
        name=clean_name,
        description=clean_description,
    )
    audit_write(actor=actor, action="product.create", target=product, project=project, after={"name": clean_name})
    compute_request_for_product(product)
    return product


def _read_event(row: Any) -> tuple[ProductEvent | None, Errors]:
    errors: Errors = {}
    if not isinstance(row, Mapping):
        return None, {"row": "Each event is an object with user_id, name, at and optional properties."}
    unknown = set(row) - EVENT_FIELDS
    if unknown:
        errors["row"] = "Unknown fields: " + ", ".join(sorted(map(str, unknown))) + "."
    user = read_text(errors, "user_id", row.get("user_id"), max_length=128)
    name = read_text(errors, "name", row.get("name"), max_length=100)
    at = read_datetime(errors, "at", row.get("at"))
    properties = row.get("properties") or {}
    if not isinstance(properties, Mapping):
        errors["properties"] = "An object of event properties."
    if errors or at is None:
        return None, errors
    return ProductEvent(user_id=user, name=name, at=at, properties=dict(properties)), errors


@transaction.atomic
def product_events_add(*, actor: User, product: Product, events: Iterable[Mapping[str, Any]]) -> int:
    """Store usage events in bulk, all or nothing: one bad row refuses the whole call, listing bad rows.

    Each event: ``user_id`` (string), ``name``, ``at`` (aware datetime or ISO 8601; naive is read in the portal's
    time zone) and optional ``properties`` (object). Returns the number stored.
    """
    product = Product.objects.select_related("project").get(pk=product.pk)
    require_product_writer(actor, product.project, "add product events")
    rows = list(events)
    if not rows:
        raise ValidationFailed("No events were given.")
    if len(rows) > MAX_EVENTS_PER_CALL:
        raise ValidationFailed(f"At most {MAX_EVENTS_PER_CALL} events per call; {len(rows)} were given.")
    objects: list[ProductEvent] = []
    row_errors: dict[int, Errors] = {}
    for index, row in enumerate(rows):
        event, errors = _read_event(row)
        if errors:
            row_errors[index] = errors
        elif event is not None:
            event.product = product
            objects.append(event)
    if row_errors:
        shown = dict(list(row_errors.items())[:MAX_ROW_ERRORS_SHOWN])
        raise ValidationFailed(
            f"{len(row_errors)} of {len(rows)} events are invalid; nothing was stored.",
            details={"rows": shown, "invalid_rows": len(row_errors)},
        )
    ProductEvent.objects.bulk_create(objects, batch_size=EVENT_BATCH_SIZE)
    audit_write(
        actor=actor,
        action="product_event.bulk_add",
        target=product,
        project=product.project,
        after={
            "count": len(objects),
            "first_at": min(event.at for event in objects),
            "last_at": max(event.at for event in objects),
        },
    )
    compute_request_for_product(product)
    return len(objects)


@transaction.atomic
def customer_add(*, actor: User, product: Product, external_id: str, acquired_on: Any, channel: str = "") -> Customer:
    product = Product.objects.select_related("project").get(pk=product.pk)
    require_product_writer(actor, product.project, "add customers")
    errors: Errors = {}
    fields = {
        "external_id": read_text(errors, "external_id", external_id, max_length=128),
        "acquired_on": read_date(errors, "acquired_on", acquired_on),
        "channel": read_text(errors, "channel", channel, max_length=60, required=False),
    }
    if fields["external_id"] and Customer.objects.filter(product=product, external_id=fields["external_id"]).exists():
        errors["external_id"] = f"The product already has a customer {fields['external_id']!r}."
    raise_if_errors(errors, "The customer is invalid.")
    customer = create_unique(
        Customer, "external_id", f"The product already has a customer {fields['external_id']!r}.", product=product,
        **fields,
    )  # fmt: skip
    audit_write(actor=actor, action="customer.add", target=customer, project=product.project, after=fields)
    compute_request_for_product(product)
    return customer


@transaction.atomic
def order_add(*, actor: User, customer: Customer, placed_at: Any, revenue: Any, gross_margin: Any) -> Order:
    """An order of a customer; gross margin is the fraction of revenue kept (0-1)."""
    customer = Customer.objects.select_related("product__project").get(pk=customer.pk)
    project = customer.product.project
    require_product_writer(actor, project, "add orders")
    errors: Errors = {}
    fields: dict[str, Any] = {
        "placed_at": read_datetime(errors, "placed_at", placed_at),
        "revenue": read_decimal(errors, "revenue", revenue),
        "gross_margin": read_decimal(errors, "gross_margin", gross_margin, places=4, maximum=1, max_digits=5),
    }
    placed = fields["placed_at"]
    if placed is not None and timezone.localdate(placed) < customer.acquired_on:
        errors["placed_at"] = f"The customer was acquired on {customer.acquired_on}, after this order."
    raise_if_errors(errors, "The order is invalid.")
    order = Order.objects.create(customer=customer, **fields)
    audit_write(
        actor=actor, action="order.add", target=order, project=project, after={"customer": customer.pk, **fields}
    )
    compute_request_for_product(customer.product)
    return order


@transaction.atomic
def marketing_spend_add(
    *, actor: User, product: Product, channel: str, period_start: Any, period_end: Any, amount: Any
) -> MarketingSpend:
    product = Product.objects.select_related("project").get(pk=product.pk)
    require_product_writer(actor, product.project, "record marketing spend")
    errors: Errors = {}
    fields: dict[str, Any] = {
        "channel": read_text(errors, "channel", channel, max_length=60),
        "period_start": read_date(errors, "period_start", period_start),
        "period_end": read_date(errors, "period_end", period_end),
        "amount": read_decimal(errors, "amount", amount),
    }
    start, end = fields["period_start"], fields["period_end"]
    if start is not None and end is not None and end < start:
        errors["period_end"] = f"The period ends ({end}) before it starts ({start})."
    if (
        fields["channel"]
        and start is not None
        and MarketingSpend.objects.filter(product=product, channel=fields["channel"], period_start=start).exists()
    ):
        errors["period_start"] = f"Spend for {fields['channel']!r} starting {start} is already recorded."
    raise_if_errors(errors, "The marketing spend is invalid.")
    row = create_unique(
        MarketingSpend, "period_start", f"Spend for {fields['channel']!r} starting {start} is already recorded.",
        product=product, **fields,
    )  # fmt: skip
    audit_write(actor=actor, action="marketing_spend.add", target=row, project=product.project, after=fields)
    compute_request_for_product(product)
    return row


@transaction.atomic
def survey_response_add(
    *, actor: User, product: Product, kind: str, score: Any, at: Any, respondent: str = ""
) -> SurveyResponse:
    """One NPS (0-10) or CSAT (1-5) answer."""
    product = Product.objects.select_related("project").get(pk=product.pk)
    require_product_writer(actor, product.project, "record survey responses")
    errors: Errors = {}
    clean_kind = read_choice(errors, "kind", kind, SurveyKind)
    moment = read_datetime(errors, "at", at)
    clean_respondent = read_text(errors, "respondent", respondent, max_length=128, required=False)
    value = None
    if clean_kind in SURVEY_SCORE_RANGE:
        low, high = SURVEY_SCORE_RANGE[SurveyKind(clean_kind)]
        if isinstance(score, int) and not isinstance(score, bool) and low <= score <= high:
            value = score
        elif isinstance(score, str) and score.strip().isdigit() and low <= int(score) <= high:
            value = int(score)
        else:
            errors["score"] = f"A {clean_kind.upper()} score is a whole number from {low} to {high}."
    raise_if_errors(errors, "The survey response is invalid.")
    assert moment is not None and value is not None  # checked above
    response = SurveyResponse.objects.create(
        product=product, kind=clean_kind, score=value, at=moment, respondent=clean_respondent
    )
    audit_write(
        actor=actor,
        action="survey_response.add",
        target=response,
        project=product.project,
        after={"kind": clean_kind, "score": value, "at": moment, "respondent": clean_respondent},
    )
    compute_request_for_product(product)
    return response


def _read_event_names(errors: Errors, field: str, value: Any, *, at_least: int, at_most: int) -> list[str]:
    """A list of distinct, non-blank event names in the given order."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        errors[field] = "A list of event names."
        return []
    names = [str(name).strip() if isinstance(name, str) else "" for name in value]
    if any(not name for name in names):
        errors[field] = "Every entry is an event name (non-blank text)."
    elif any(len(name) > EVENT_NAME_LENGTH for name in names):
        errors[field] = f"An event name has at most {EVENT_NAME_LENGTH} characters."
    elif len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        errors[field] = "Each event name appears once; repeated: " + ", ".join(repeated) + "."
    elif len(names) < at_least:
        errors[field] = f"At least {at_least} event names: the entry step first, the conversion step last."
    elif len(names) > at_most:
        errors[field] = f"At most {at_most} event names."
    return names


def _read_window_days(errors: Errors, value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().lstrip("-").isdigit():
        errors["funnel_window_days"] = "A whole number of days."
        return None
    days = int(str(value).strip())
    if not 1 <= days <= MAX_FUNNEL_WINDOW_DAYS:
        errors["funnel_window_days"] = f"From 1 to {MAX_FUNNEL_WINDOW_DAYS} days."
        return None
    return days


@transaction.atomic
def product_funnel_update(
    *, actor: User, product: Product, funnel_steps: Any, funnel_window_days: Any, core_events: Any
) -> Product:
    """Set the product's conversion funnel (event names in order, and the window in days a user who entered has
    to reach the last step) and its core events (the features whose usage is measured). All or nothing: every
    field is checked before anything is written."""
    product = Product.objects.select_for_update().select_related("project").get(pk=product.pk)
    require_product_writer(actor, product.project, "configure the funnel")
    errors: Errors = {}
    steps = _read_event_names(errors, "funnel_steps", funnel_steps, at_least=2, at_most=MAX_FUNNEL_STEPS)
    window = _read_window_days(errors, funnel_window_days)
    core = _read_event_names(errors, "core_events", core_events, at_least=0, at_most=MAX_CORE_EVENTS)
    raise_if_errors(errors, "The funnel is invalid; nothing was changed.")
    assert window is not None  # checked above
    fields = ("funnel_steps", "funnel_window_days", "core_events")
    before = {field: getattr(product, field) for field in fields}
    after = {"funnel_steps": steps, "funnel_window_days": window, "core_events": core}
    if before == after:
        return product
    for field, value in after.items():
        setattr(product, field, value)
    product.save(update_fields=list(fields))
    audit_write(
        actor=actor, action="product.funnel_update", target=product, project=product.project, before=before,
        after=after,
    )  # fmt: skip
    compute_request_for_product(product)
    return product
