"""Product rows -> ``metrics.formulas.product`` inputs. Each function runs the fixed number of queries noted.

Days are the portal's local days (``settings.TIME_ZONE``): an event at 23:30 local time counts on that day, so a
formula's ``event.at.date()`` is the day a person in the portal's time zone would name.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.utils import timezone

from metrics.formulas import product as formulas
from metrics.product.choices import SurveyKind
from metrics.product.models import Customer, MarketingSpend, Order, Product, ProductEvent, SurveyResponse

__all__ = [
    "RevenueSummary",
    "marketing_spend",
    "new_customer_count",
    "orders",
    "product_events",
    "revenue_summary",
    "survey_scores",
]


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, end + 1 day 00:00) in the portal's time zone."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    after = timezone.make_aware(datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min))
    return first, after


def _pk(product: Product | int) -> int:
    return product if isinstance(product, int) else product.pk


def product_events(
    product: Product | int, start: datetime.date, end: datetime.date, names: Collection[str] | None = None
) -> list[formulas.ProductEvent]:
    """The product's events on local days ``start`` to ``end`` inclusive (optionally only ``names``), in time
    order, with ``at`` in local time. 1 query (the product-and-time index)."""
    first, after = _day_bounds(start, end)
    rows = ProductEvent.objects.filter(product_id=_pk(product), at__gte=first, at__lt=after)
    if names is not None:
        rows = rows.filter(name__in=list(names))
    return [
        formulas.ProductEvent(user=user, name=name, at=timezone.localtime(at))
        for user, name, at in rows.order_by("at", "id").values_list("user_id", "name", "at")
    ]


def orders(
    product: Product | int, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[formulas.Order]:
    """The product's orders (customer = its external id, day = local day, amount = revenue). 1 query."""
    rows = Order.objects.filter(customer__product_id=_pk(product))
    if start is not None:
        rows = rows.filter(placed_at__gte=_day_bounds(start, start)[0])
    if end is not None:
        rows = rows.filter(placed_at__lt=_day_bounds(end, end)[1])
    return [
        formulas.Order(customer=customer, day=timezone.localdate(at), amount=revenue)
        for customer, at, revenue in rows.order_by("placed_at", "id").values_list(
            "customer__external_id", "placed_at", "revenue"
        )
    ]


def new_customer_count(product: Product | int, start: datetime.date, end: datetime.date) -> int:
    """Customers acquired from ``start`` to ``end`` inclusive (CAC's denominator). 1 query."""
    return Customer.objects.filter(product_id=_pk(product), acquired_on__gte=start, acquired_on__lte=end).count()


def marketing_spend(product: Product | int) -> list[formulas.MarketingSpend]:
    """Every spend row of the product (filter by period with ``formulas.spend_in_period``). 1 query."""
    rows = MarketingSpend.objects.filter(product_id=_pk(product)).order_by("period_start", "channel")
    return [
        formulas.MarketingSpend(channel=channel, period_start=period_start, amount=amount)
        for channel, period_start, amount in rows.values_list("channel", "period_start", "amount")
    ]


def survey_scores(product: Product | int, kind: str, start: datetime.date, end: datetime.date) -> list[int]:
    """Scores of one survey kind (``nps`` or ``csat``) answered on local days ``start`` to ``end``. 1 query."""
    first, after = _day_bounds(start, end)
    rows = SurveyResponse.objects.filter(product_id=_pk(product), kind=SurveyKind(kind), at__gte=first, at__lt=after)
    return list(rows.order_by("at", "id").values_list("score", flat=True))


@dataclass(frozen=True)
class RevenueSummary:
    """Orders placed in a window: revenue, gross profit and paying customers (CLV's inputs). Margin is
    revenue-weighted: gross profit / revenue (None without revenue)."""

    revenue: Decimal
    gross_profit: Decimal
    paying_customers: int

    @property
    def gross_margin(self) -> float | None:
        return float(self.gross_profit / self.revenue) if self.revenue else None

    @property
    def average_revenue_per_customer(self) -> float | None:
        return float(self.revenue / self.paying_customers) if self.paying_customers else None


def revenue_summary(product: Product | int, start: datetime.date, end: datetime.date) -> RevenueSummary:
    """Revenue, gross profit (sum of revenue x margin) and distinct paying customers in the window. 1 query."""
    first, after = _day_bounds(start, end)
    totals = Order.objects.filter(
        customer__product_id=_pk(product), placed_at__gte=first, placed_at__lt=after
    ).aggregate(
        total_revenue=Sum("revenue"),
        total_gross_profit=Sum(F("revenue") * F("gross_margin")),
        customers=Count("customer_id", distinct=True),
    )
    return RevenueSummary(
        revenue=totals["total_revenue"] or Decimal(0),
        gross_profit=totals["total_gross_profit"] or Decimal(0),
        paying_customers=totals["customers"],
    )
