"""Snapshot computer of the product scope: usage and revenue of a model in production.

``product_compute(product_id)`` loads the product's rows with a fixed number of aggregated queries (events are
reduced in SQL to distinct user-days, per-name monthly counts and first-seen times, never read one by one) and
hands them to ``compute_product_series.product_values``, which builds every metric's trend with pandas.
Each metric is one snapshot with period "" whose ``detail`` holds the daily / weekly / monthly series.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Count, DateField, F, Max, Min, OuterRef, Subquery
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from metrics.product import adapters
from metrics.product.computers.periods import load_start, span
from metrics.product.computers.series import ProductInputs, empty_frame, product_values
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse
from metrics.snapshots.choices import ScopeType
from metrics.snapshots.registry import ScopeResult, snapshot_computer

USER_DAY_CHUNK = 20_000  # rows fetched per round trip when streaming user-days


def _latest(queryset: Any, field: str) -> Subquery:
    return Subquery(
        queryset.filter(product_id=OuterRef("pk"))
        .order_by()
        .values("product_id")
        .annotate(x=Max(field))
        .values("x")[:1]
    )


def _earliest(queryset: Any, field: str) -> Subquery:
    return Subquery(
        queryset.filter(product_id=OuterRef("pk"))
        .order_by()
        .values("product_id")
        .annotate(x=Min(field))
        .values("x")[:1]
    )


def _product_with_span(product_id: int) -> Product | None:
    """The product, its project and the first / last moment of each kind of input. 1 query."""
    orders = Order.objects.annotate(product_id=F("customer__product_id"))
    return (
        Product.objects.select_related("project")
        .annotate(
            last_event=_latest(ProductEvent.objects, "at"),
            first_event=_earliest(ProductEvent.objects, "at"),
            last_order=_latest(orders, "placed_at"),
            first_order=_earliest(orders, "placed_at"),
            last_survey=_latest(SurveyResponse.objects, "at"),
            first_survey=_earliest(SurveyResponse.objects, "at"),
            last_customer=_latest(Customer.objects, "acquired_on"),
            first_customer=_earliest(Customer.objects, "acquired_on"),
            last_spend=_latest(MarketingSpend.objects, "period_start"),
            first_spend=_earliest(MarketingSpend.objects, "period_start"),
        )
        .filter(pk=product_id)
        .first()
    )


def _day(value: datetime.datetime | datetime.date | None) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value)
    return value


def _bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    after = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    return first, after


def product_inputs(product: Product, today: datetime.date | None = None) -> ProductInputs:
    """Every input of the product's snapshots. At most 8 queries whatever the volume (the funnel's 2 and the core
    events' 1 are skipped when none is configured)."""
    today = today or timezone.localdate()
    kinds = ("event", "order", "survey", "customer", "spend")
    lasts = [d for d in (_day(getattr(product, f"last_{k}", None)) for k in kinds) if d is not None]
    firsts = [d for d in (_day(getattr(product, f"first_{k}", None)) for k in kinds) if d is not None]
    end = min(max(lasts), today) if lasts else today
    first_day = min(firsts) if firsts else None
    start = load_start(end, first_day)
    _, months = span(end, first_day)
    first, after = _bounds(start, end)
    months_first, _ = _bounds(months[0], end)
    tz = timezone.get_current_timezone()
    events = ProductEvent.objects.filter(product_id=product.pk, at__gte=first, at__lt=after).order_by()

    user_days = pd.DataFrame.from_records(
        events.annotate(day=TruncDate("at", tzinfo=tz))
        .values_list("user_id", "day")
        .distinct()
        .iterator(chunk_size=USER_DAY_CHUNK),
        columns=["user", "day"],
    )
    core_events = [str(name) for name in product.core_events or []]
    steps = [str(name) for name in product.funnel_steps or []] if product.has_funnel else []
    return ProductInputs(
        end=end,
        first_day=first_day,
        today=today,
        user_days=user_days if not user_days.empty else empty_frame(["user", "day"]),
        feature_months=_feature_months_frame(events, core_events, months_first, tz),
        funnel_entries=_funnel_entries_frame(product, steps, months_first, after),
        funnel_events=_funnel_events_frame(product, steps, months_first, after),
        funnel_steps=steps,
        funnel_window_days=product.funnel_window_days,
        core_events=core_events,
        orders=_orders_frame(product, after),
        new_customers=_new_customers_by_month(product, months[0], end),
        spend=adapters.marketing_spend(product),
        surveys=_surveys_frame(product, months_first, after, tz),
    )


def _feature_months_frame(
    events: Any, core_events: list[str], months_first: datetime.datetime, tz: datetime.tzinfo
) -> pd.DataFrame:
    """Adopters and events per core event and month, reduced in SQL (never read one by one). 1 query, none
    without core events."""
    columns = ["name", "month", "adopters", "events"]
    if not core_events:
        return empty_frame(columns)
    return pd.DataFrame.from_records(
        events.filter(at__gte=months_first, name__in=core_events)
        .annotate(month=TruncMonth("at", output_field=DateField(), tzinfo=tz))
        .values("name", "month")
        .annotate(adopters=Count("user_id", distinct=True), events=Count("id"))
        .values_list("name", "month", "adopters", "events"),
        columns=columns,
    )


def _funnel_entries_frame(
    product: Product, steps: list[str], months_first: datetime.datetime, after: datetime.datetime
) -> pd.DataFrame:
    """Users entering the funnel within the monthly span: their first event of the first step is searched over all
    time, not the span (a user enters once). Entry times are local, so a cohort is the local month of the entry.
    1 query, none without a funnel."""
    if not steps:
        return empty_frame(["user", "entered_at"])
    rows = (
        ProductEvent.objects.filter(product_id=product.pk, name=steps[0])
        .order_by()
        .values("user_id")
        .annotate(entered_at=Min("at"))
        .filter(entered_at__gte=months_first, entered_at__lt=after)
        .values_list("user_id", "entered_at")
    )
    return pd.DataFrame.from_records(
        [(user, timezone.localtime(entered_at)) for user, entered_at in rows], columns=["user", "entered_at"]
    )


def _funnel_events_frame(
    product: Product, steps: list[str], months_first: datetime.datetime, after: datetime.datetime
) -> pd.DataFrame:
    """Events of the funnel's later steps in the monthly span (entries are in it, so steps after them are too).
    1 query, none without a funnel."""
    if not steps:
        return empty_frame(["user", "name", "at"])
    rows = (
        ProductEvent.objects.filter(product_id=product.pk, name__in=steps[1:], at__gte=months_first, at__lt=after)
        .order_by()
        .values_list("user_id", "name", "at")
    )
    return pd.DataFrame.from_records(rows.iterator(chunk_size=USER_DAY_CHUNK), columns=["user", "name", "at"])


def _new_customers_by_month(
    product: Product, first_month: datetime.date, end: datetime.date
) -> dict[datetime.date, int]:
    """Customers acquired per month from ``first_month`` to ``end``. 1 query."""
    return dict(
        Customer.objects.filter(product_id=product.pk, acquired_on__gte=first_month, acquired_on__lte=end)
        .order_by()
        .annotate(month=TruncMonth("acquired_on"))
        .values("month")
        .annotate(n=Count("id"))
        .values_list("month", "n")
    )


def _surveys_frame(
    product: Product, months_first: datetime.datetime, after: datetime.datetime, tz: datetime.tzinfo
) -> pd.DataFrame:
    """Survey answers counted per kind, month and score within the monthly span. 1 query."""
    return pd.DataFrame.from_records(
        SurveyResponse.objects.filter(product_id=product.pk, at__gte=months_first, at__lt=after)
        .order_by()
        .annotate(month=TruncMonth("at", output_field=DateField(), tzinfo=tz))
        .values("kind", "month", "score")
        .annotate(n=Count("id"))
        .values_list("kind", "month", "score", "n"),
        columns=["kind", "month", "score", "n"],
    )


def _orders_frame(product: Product, after: datetime.datetime) -> pd.DataFrame:
    """Every order placed before the span ends (CLV's historical value needs them all). 1 query."""
    rows = (
        Order.objects.filter(customer__product_id=product.pk, placed_at__lt=after)
        .order_by("placed_at", "id")
        .values_list("customer__external_id", "placed_at", "revenue", "gross_margin")
    )
    records = [
        (customer, placed_at, timezone.localdate(placed_at), float(revenue), float(revenue * margin))
        for customer, placed_at, revenue, margin in rows
        if isinstance(revenue, Decimal)
    ]
    return pd.DataFrame.from_records(records, columns=["customer", "placed_at", "day", "revenue", "gross_profit"])


@snapshot_computer(ScopeType.PRODUCT, scope_ids=lambda: Product.objects.order_by("pk").values_list("pk", flat=True))
def product_compute(product_id: int) -> ScopeResult | None:
    """Every snapshot of one product; None when the product no longer exists."""
    product = _product_with_span(product_id)
    if product is None:
        return None
    inputs = product_inputs(product)
    return ScopeResult(
        portfolio_id=product.project.portfolio_id, project_id=product.project_id, values=product_values(inputs)
    )
